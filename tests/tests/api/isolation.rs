//! The proof that tenants are isolated, driven by the schema itself: every mutation and every
//! query field that takes an ID is enumerated by introspection, so a new one cannot be
//! forgotten. Two sibling subtrees each have a user of every role; for each operation, the other
//! subtree's IDs give `NOT_FOUND` and change nothing, and inside one's own subtree every role
//! gets exactly the outcome DOMAIN.md's role table gives.

use std::collections::BTreeMap;

use canopy_server::db::Backend;
use canopy_shared::{Action, Role};
use canopy_tests::{error_code, TestApp};
use serde_json::{json, Value};

/// Operations that take no ID of anything in a subtree, and why they need no isolation case.
const NO_ID: &[(&str, &str)] = &[
    (
        "signIn",
        "takes names and a password, and answers the same for every wrong part",
    ),
    ("signOut", "ends the caller's own session"),
    ("setPassword", "takes a secret single-use token, not an ID"),
];

/// One customer subtree: a distributor with a reseller below it, and a user of every role.
struct Side {
    name: &'static str,
    customer: String,
    child: String,
    tokens: BTreeMap<Role, String>,
    /// A device of the reseller.
    device: String,
}

struct World {
    app: TestApp,
    admin: String,
    alpha: Side,
    beta: Side,
    counter: std::sync::atomic::AtomicUsize,
}

fn role_name(role: Role) -> &'static str {
    role.as_str()
}

async fn side(app: &TestApp, admin: &str, root: &str, name: &'static str) -> Side {
    let customer = app
        .create_customer(admin, root, name, "DISTRIBUTOR", json!({}))
        .await;
    let child = app
        .create_customer(
            admin,
            &customer,
            &format!("{name} Reseller"),
            "RESELLER",
            json!({}),
        )
        .await;
    let mut tokens = BTreeMap::new();
    for role in Role::ALL {
        let username = format!(
            "{}@{}.example",
            role_name(role).to_lowercase(),
            name.to_lowercase()
        );
        app.create_user(
            admin,
            &customer,
            &username,
            role_name(role),
            "isolation password",
        )
        .await;
        tokens.insert(
            role,
            app.sign_in(name, &username, "isolation password").await,
        );
    }
    let device = app
        .add_device(admin, &child, &format!("{name} PC"), 1024)
        .await;
    Side {
        name,
        customer,
        child,
        tokens,
        device,
    }
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let alpha = side(&app, &admin, &root, "Alpha").await;
    let beta = side(&app, &admin, &root, "Beta").await;
    World {
        app,
        admin,
        alpha,
        beta,
        counter: Default::default(),
    }
}

impl World {
    fn unique(&self, prefix: &str) -> String {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        format!("{prefix} {n}")
    }

    /// A fresh reseller under `side`'s distributor, made by the root admin.
    async fn fresh_customer(&self, side: &Side) -> String {
        let name = self.unique(&format!("{} Fresh", side.name));
        self.app
            .create_customer(
                &self.admin,
                &side.customer,
                &name,
                "RESELLER",
                json!({ "inTrial": true }),
            )
            .await
    }

    /// A fresh contact of `side`'s reseller.
    async fn fresh_contact(&self, side: &Side) -> String {
        let data = self
            .app
            .data(
                Some(&self.admin),
                "mutation($c: ID!, $n: String!) { addContact(customerId: $c, input: { firstName: $n }) { id } }",
                json!({ "c": side.child, "n": self.unique("Contact") }),
            )
            .await;
        data["addContact"]["id"].as_str().unwrap().to_owned()
    }

    /// A fresh activity of `side`'s reseller.
    async fn fresh_activity(&self, side: &Side) -> String {
        let data = self
            .app
            .data(
                Some(&self.admin),
                "mutation($c: ID!, $s: String!) { addActivity(customerId: $c, input: { kind: NOTE, subject: $s, occursAt: \"2030-01-01T00:00:00Z\" }) { id } }",
                json!({ "c": side.child, "s": self.unique("Note") }),
            )
            .await;
        data["addActivity"]["id"].as_str().unwrap().to_owned()
    }

    /// A fresh device of `side`'s reseller.
    async fn fresh_device(&self, side: &Side) -> String {
        self.app
            .add_device(&self.admin, &side.child, &self.unique("Device"), 10)
            .await
    }

    /// A fresh OPERATOR user of `side`'s reseller.
    async fn fresh_user(&self, side: &Side) -> String {
        let name = self.unique("user").replace(' ', "");
        self.app
            .create_user(
                &self.admin,
                &side.child,
                &format!("{name}@{}.example", side.name.to_lowercase()),
                "OPERATOR",
                "isolation password",
            )
            .await
    }
}

/// How to call one mutation against a subtree, and which action of the role table it is.
struct Case {
    action: Action,
    query: &'static str,
    vars: Value,
}

/// The isolation case for `mutation` against `target`: a call that would succeed for a
/// SUPERUSER of the root, with fresh objects where it consumes them. `home` is the caller's
/// own side (for mutations that take two IDs). `None` when the mutation has no case yet.
async fn case(world: &World, mutation: &str, target: &Side, home: &Side) -> Option<Case> {
    let c = match mutation {
        "createCustomer" => Case {
            action: Action::ManageCustomers,
            query: "mutation($p: ID!, $n: String!) { createCustomer(input: { parentId: $p, name: $n, level: END_CUSTOMER, serviceType: ALL_INCLUSIVE, deviceCountry: \"DE\" }) { id } }",
            vars: json!({ "p": target.child, "n": world.unique("Created") }),
        },
        "updateCustomer" => Case {
            action: Action::ManageCustomers,
            query: "mutation($id: ID!, $n: String!) { updateCustomer(id: $id, input: { name: $n }) { id } }",
            vars: json!({ "id": world.fresh_customer(target).await, "n": world.unique("Renamed") }),
        },
        "moveCustomer" => Case {
            action: Action::ManageCustomers,
            // Into the target subtree from the caller's own: both IDs must be visible.
            query: "mutation($id: ID!, $p: ID!) { moveCustomer(id: $id, newParentId: $p) { id } }",
            vars: json!({ "id": world.fresh_customer(home).await, "p": target.customer }),
        },
        "removeCustomer" => Case {
            action: Action::ManageCustomers,
            query: "mutation($id: ID!) { removeCustomer(id: $id) }",
            vars: json!({ "id": world.fresh_customer(target).await }),
        },
        "convertToProduction" => Case {
            action: Action::ManageCustomers,
            query: "mutation($id: ID!) { convertToProduction(id: $id) { id } }",
            vars: json!({ "id": world.fresh_customer(target).await }),
        },
        "changeStorageLocation" => Case {
            action: Action::ChangeStorageLocation,
            query: "mutation($id: ID!) { changeStorageLocation(id: $id, storageLocation: \"NL\") { id } }",
            vars: json!({ "id": world.fresh_customer(target).await }),
        },
        "createUser" => Case {
            action: Action::ManageUsers,
            query: "mutation($c: ID!, $u: String!) { createUser(customerId: $c, input: { username: $u, role: SUPPORTER, password: \"isolation password\" }) { id } }",
            vars: json!({ "c": target.child, "u": format!("{}@new.example", world.unique("u").replace(' ', "")) }),
        },
        "updateUser" => Case {
            action: Action::ManageUsers,
            query: "mutation($id: ID!, $u: String!) { updateUser(id: $id, input: { username: $u, role: SUPPORTER }) { id } }",
            vars: json!({ "id": world.fresh_user(target).await, "u": format!("{}@renamed.example", world.unique("u").replace(' ', "")) }),
        },
        "removeUser" => Case {
            action: Action::ManageUsers,
            query: "mutation($id: ID!) { removeUser(id: $id) }",
            vars: json!({ "id": world.fresh_user(target).await }),
        },
        "updateCompanyProfile" => Case {
            action: Action::ManageCustomers,
            query: "mutation($c: ID!) { updateCompanyProfile(customerId: $c, input: { legalName: \"Legal Ltd\" }) { id } }",
            vars: json!({ "c": target.child }),
        },
        "addContact" => Case {
            action: Action::ManageContacts,
            query: "mutation($c: ID!) { addContact(customerId: $c, input: { firstName: \"Ann\" }) { id } }",
            vars: json!({ "c": target.child }),
        },
        "updateContact" => Case {
            action: Action::ManageContacts,
            query: "mutation($id: ID!) { updateContact(id: $id, input: { lastName: \"Lee\" }) { id } }",
            vars: json!({ "id": world.fresh_contact(target).await }),
        },
        "removeContact" => Case {
            action: Action::ManageContacts,
            query: "mutation($id: ID!) { removeContact(id: $id) }",
            vars: json!({ "id": world.fresh_contact(target).await }),
        },
        "addActivity" => Case {
            action: Action::ManageActivities,
            query: "mutation($c: ID!) { addActivity(customerId: $c, input: { kind: CALL, subject: \"Call\", occursAt: \"2030-01-01T00:00:00Z\" }) { id } }",
            vars: json!({ "c": target.child }),
        },
        "updateActivity" => Case {
            action: Action::ManageActivities,
            query: "mutation($id: ID!) { updateActivity(id: $id, input: { kind: MEETING, subject: \"Meet\", occursAt: \"2031-01-01T00:00:00Z\" }) { id } }",
            vars: json!({ "id": world.fresh_activity(target).await }),
        },
        "removeActivity" => Case {
            action: Action::ManageActivities,
            query: "mutation($id: ID!) { removeActivity(id: $id) }",
            vars: json!({ "id": world.fresh_activity(target).await }),
        },
        "updateBranding" => Case {
            action: Action::ManageCustomers,
            query: "mutation($c: ID!) { updateBranding(customerId: $c, input: { displayName: \"Branded\", primaryColor: \"#112233\" }) { id } }",
            vars: json!({ "c": target.child }),
        },
        "resetBranding" => Case {
            action: Action::ManageCustomers,
            query: "mutation($c: ID!) { resetBranding(customerId: $c) { id } }",
            vars: json!({ "c": target.child }),
        },
        "addDevice" => Case {
            action: Action::ManageDevices,
            query: "mutation($c: ID!, $n: String!) { addDevice(customerId: $c, input: { name: $n }) { id } }",
            vars: json!({ "c": target.child, "n": world.unique("New Device") }),
        },
        "removeDevice" => Case {
            action: Action::ManageDevices,
            query: "mutation($id: ID!) { removeDevice(id: $id) }",
            vars: json!({ "id": world.fresh_device(target).await }),
        },
        _ => return None,
    };
    Some(c)
}

/// What a query field taking an ID answers for an ID outside the caller's subtree.
#[derive(Debug)]
enum Hidden {
    Null,
    /// A list holding only nulls.
    Nulls,
    NotFound,
    Empty,
}

fn query_case(field: &str, target: &Side) -> Option<(String, Hidden)> {
    let q = match field {
        "customer" => (
            format!("{{ customer(id: \"{}\") {{ id }} }}", target.child),
            Hidden::Null,
        ),
        "nodes" => (
            format!(
                "{{ nodes(ids: [\"{}\", \"{}\"]) {{ id }} }}",
                target.child, target.device
            ),
            Hidden::Nulls,
        ),
        "device" => (
            format!("{{ device(id: \"{}\") {{ id }} }}", target.device),
            Hidden::Null,
        ),
        "node" => (
            format!("{{ node(id: \"{}\") {{ id }} }}", target.child),
            Hidden::Null,
        ),
        "customers" => (
            format!(
                "{{ customers(under: \"{}\") {{ totalCount }} }}",
                target.customer
            ),
            Hidden::NotFound,
        ),
        "auditLog" => (
            format!(
                "{{ auditLog(customerId: \"{}\") {{ totalCount }} }}",
                target.child
            ),
            Hidden::Empty,
        ),
        _ => return None,
    };
    Some(q)
}

async fn schema_operations(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let data = app
        .data(None, "{ __schema { mutationType { fields { name } } queryType { fields { name args { type { name ofType { name ofType { name ofType { name } } } } } } } } }", json!({}))
        .await;
    let mutations = data["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    let takes_id = |arg: &Value| {
        let t = &arg["type"];
        [
            &t["name"],
            &t["ofType"]["name"],
            &t["ofType"]["ofType"]["name"],
        ]
        .iter()
        .any(|n| n.as_str() == Some("ID"))
    };
    let queries = data["__schema"]["queryType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["args"].as_array().unwrap().iter().any(takes_id))
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    (mutations, queries)
}

/// Every row of every table except the audit log's reads (sessions included).
async fn snapshot(app: &TestApp) -> Vec<String> {
    use sqlx::Row;
    let tables_sql = match canopy_tests::backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_sqlx%' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        // `table_name` is of type `sql_identifier`, which the `Any` driver cannot decode.
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '_sqlx%' ORDER BY 1"
        }
    };
    let tables: Vec<(String,)> = sqlx::query_as(tables_sql)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let mut rows = Vec::new();
    for (table,) in tables {
        let all = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&app.pool)
            .await
            .unwrap();
        for row in all {
            let cells: Vec<String> = (0..row.len())
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .ok()
                        .flatten()
                        .or_else(|| {
                            row.try_get::<Option<i64>, _>(i)
                                .ok()
                                .flatten()
                                .map(|n| n.to_string())
                        })
                        .or_else(|| {
                            row.try_get::<Option<f64>, _>(i)
                                .ok()
                                .flatten()
                                .map(|n| n.to_string())
                        })
                        .or_else(|| {
                            row.try_get::<Option<Vec<u8>>, _>(i)
                                .ok()
                                .flatten()
                                .map(|b| format!("{} bytes", b.len()))
                        })
                        .unwrap_or_default()
                })
                .collect();
            rows.push(format!("{table}: {}", cells.join("|")));
        }
    }
    rows.sort();
    rows
}

#[tokio::test]
async fn the_other_subtree_does_not_exist_for_any_operation() {
    let w = world().await;
    let (mutations, queries) = schema_operations(&w.app).await;
    let mut missing = Vec::new();
    for mutation in &mutations {
        if NO_ID.iter().any(|(name, _)| name == mutation) {
            continue;
        }
        // Prepare every call first (the preparation writes), then snapshot, then attack.
        let Some(attack) = case(&w, mutation, &w.beta, &w.alpha).await else {
            missing.push(format!("mutation {mutation}"));
            continue;
        };
        let before = snapshot(&w.app).await;
        for (role, token) in &w.alpha.tokens {
            let body = w
                .app
                .gql(Some(token), attack.query, attack.vars.clone())
                .await;
            assert_eq!(
                error_code(&body),
                Some("NOT_FOUND"),
                "{mutation} by an Alpha {role:?} against Beta: {body}"
            );
        }
        assert_eq!(
            before,
            snapshot(&w.app).await,
            "{mutation} against Beta changed nothing"
        );
    }
    for field in &queries {
        let Some((query, hidden)) = query_case(field, &w.beta) else {
            missing.push(format!("query {field}"));
            continue;
        };
        for (role, token) in &w.alpha.tokens {
            let body = w.app.gql(Some(token), &query, json!({})).await;
            let ok = match hidden {
                Hidden::Null => body["errors"].is_null() && body["data"][field].is_null(),
                Hidden::Nulls => {
                    body["errors"].is_null()
                        && body["data"][field]
                            .as_array()
                            .is_some_and(|all| all.iter().all(Value::is_null))
                }
                Hidden::NotFound => error_code(&body) == Some("NOT_FOUND"),
                Hidden::Empty => {
                    body["errors"].is_null() && body["data"][field]["totalCount"] == 0
                        || error_code(&body) == Some("FORBIDDEN")
                }
            };
            assert!(
                ok,
                "{field} by an Alpha {role:?} for a Beta ID should read as {hidden:?}: {body}"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "operations without an isolation case (add them to isolation.rs): {missing:?}"
    );
}

#[tokio::test]
async fn every_role_gets_what_the_role_table_says() {
    let w = world().await;
    let (mutations, _) = schema_operations(&w.app).await;
    let mut missing = Vec::new();
    for mutation in &mutations {
        if NO_ID.iter().any(|(name, _)| name == mutation) {
            continue;
        }
        for (role, token) in &w.alpha.tokens {
            let Some(call) = case(&w, mutation, &w.alpha, &w.alpha).await else {
                missing.push(mutation.clone());
                break;
            };
            // Storage locations are the root customer's support action: never for Alpha's users.
            let allowed = role.allows(call.action) && call.action != Action::ChangeStorageLocation;
            let before = snapshot(&w.app).await;
            let body = w.app.gql(Some(token), call.query, call.vars.clone()).await;
            if allowed {
                assert!(
                    body["errors"].is_null(),
                    "{mutation} by an Alpha {role:?} is allowed: {body}"
                );
            } else {
                assert_eq!(
                    error_code(&body),
                    Some("FORBIDDEN"),
                    "{mutation} by an Alpha {role:?} is forbidden: {body}"
                );
                assert_eq!(
                    before,
                    snapshot(&w.app).await,
                    "a forbidden {mutation} changed nothing"
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "mutations without a role case (add them to isolation.rs): {missing:?}"
    );
    // The root customer's SUPERUSER may change storage locations.
    let call = case(&w, "changeStorageLocation", &w.beta, &w.beta)
        .await
        .unwrap();
    let body = w.app.gql(Some(&w.admin), call.query, call.vars).await;
    assert!(body["errors"].is_null(), "{body}");
}

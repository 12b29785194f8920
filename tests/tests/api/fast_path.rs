//! One meaning, whatever the path: generated operations answered by a server that walks
//! customer lists itself (`customers::graphql::fast_path`) and by a second server on the same
//! database with `--fast-reads=false` (every field through async-graphql's general executor)
//! must be identical, `data` and `errors` alike.
//!
//! The generator covers what a selection may hold around customer lists: every `Customer`
//! field (those the fast path answers and those it gives way on: contacts, devices, branding),
//! connections with `nodes`, `edges`, `pageInfo` and `totalCount`, nesting to depth 4, aliases,
//! fields repeated under one response key, named and inline fragments (with and without type
//! conditions, on `Customer` and on `Node`), `@skip`/`@include` with literals and variables,
//! `__typename`, `first`/`after`/`order` (valid, out of range, bad cursors, variables), and
//! customer ids in scope, out of scope, of another kind and malformed — each operation as three
//! users of different scopes and roles. A failure prints the seed;
//! `CANOPY_FAST_PATH_SEED=<seed>` replays it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use canopy_tests::TestApp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

/// Operations generated per user (three users: 3 × 110 operations, each run on both servers).
const OPERATIONS_PER_USER: usize = 110;
/// How deep customers nest inside one operation (the root field's customers are depth 1).
const MAX_DEPTH: usize = 4;
/// The `Customer` fields without arguments or a selection of their own.
const SCALAR_FIELDS: &[&str] = &[
    "id",
    "name",
    "level",
    "serviceType",
    "childServiceTypes",
    "state",
    "trialExpiresAt",
    "customerReference",
    "createdAt",
    "version",
    "childCount",
    "descendantCount",
    "modules",
    "removable",
    "__typename",
];
/// Device countries of the generated customers (each with a data center of its own).
const COUNTRIES: [&str; 3] = ["DE", "FR", "NL"];

#[tokio::test]
async fn generated_operations_answer_the_same_through_the_fast_path_and_the_general_executor() {
    let fast = TestApp::spawn().await;
    let general = fast
        .spawn_replica_with(|config| config.fast_reads = false)
        .await;
    let world = World::build(&fast).await;

    let seed = std::env::var("CANOPY_FAST_PATH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        });
    eprintln!("fast path differential test: CANOPY_FAST_PATH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    let mut compared = 0;
    for (user, token) in &world.users {
        for n in 0..OPERATIONS_PER_USER {
            let op = Generator::new(&mut rng, &world).operation();
            let a = unordered_errors(fast.gql(Some(token), &op.query, op.variables.clone()).await);
            let b = unordered_errors(
                general
                    .gql(Some(token), &op.query, op.variables.clone())
                    .await,
            );
            assert!(
                a == b,
                "operation {n} as {user} differs (replay with CANOPY_FAST_PATH_SEED={seed})\n\
                 query: {}\nvariables: {}\nfast path: {a:#}\ngeneral executor: {b:#}",
                op.query,
                op.variables
            );
            compared += 1;
        }
    }
    assert!(compared >= 300, "only {compared} operations compared");

    // The comparison means something only if the fast path answered lists itself, and the
    // other server never did.
    let walked = lists(&fast, "walked").await;
    let gave_way = lists(&fast, "gave_way").await;
    eprintln!(
        "{compared} operations: the fast path walked {walked} lists and gave way on {gave_way}"
    );
    assert!(
        walked >= 100,
        "the fast path answered only {walked} lists ({gave_way} gave way; seed {seed})"
    );
    assert!(
        gave_way >= 20,
        "the fast path gave way only {gave_way} times: the generator misses the fields it does not know (seed {seed})"
    );
    assert_eq!(lists(&general, "walked").await, 0);
}

/// Every field the fast path answers, alone at each level of a tree the fast path reads ahead
/// itself with only the columns the selection shows: a field read with the wrong columns would
/// answer blanks here.
#[tokio::test]
async fn every_field_of_a_tree_read_with_only_its_columns_answers_as_the_general_executor() {
    let fast = TestApp::spawn().await;
    let general = fast
        .spawn_replica_with(|config| config.fast_reads = false)
        .await;
    let world = World::build(&fast).await;
    const WITH_ARGUMENTS_OR_SELECTIONS: &[&str] = &[
        "deviceCountry { code name }",
        "storageLocation { code name country { code } }",
        "deviceCount",
        "deviceCount(includeDescendants: true)",
        "storageUsedBytes",
        "storageUsedBytes(includeDescendants: true)",
        "parent { id name version }",
        "contacts { id lastName }",
    ];
    let fields: Vec<&str> = SCALAR_FIELDS
        .iter()
        .chain(WITH_ARGUMENTS_OR_SELECTIONS)
        .copied()
        .collect();
    let before = lists(&fast, "walked").await;
    for (user, token) in &world.users {
        for field in &fields {
            let query = format!(
                "{{ root {{ id {field} children(first: 500) {{ nodes {{ id {field} \
                 children(first: 500) {{ edges {{ cursor node {{ id {field} \
                 children(first: 500) {{ totalCount nodes {{ id {field} }} }} }} }} }} }} }} }} }}"
            );
            let a = fast.gql(Some(token), &query, json!({})).await;
            let b = general.gql(Some(token), &query, json!({})).await;
            assert!(a.get("errors").is_none(), "{query} as {user}: {a:#}");
            assert_eq!(a, b, "{query} as {user}");
        }
    }
    let walked = lists(&fast, "walked").await - before;
    assert!(
        walked >= (fields.len() * world.users.len()) as u64,
        "the fast path walked only {walked} of the trees"
    );
}

/// The response with its errors in a fixed order: GraphQL leaves their order open, and
/// async-graphql's validation reports unused variables in a hash map's order.
fn unordered_errors(mut body: Value) -> Value {
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        errors.sort_by_key(|error| error.to_string());
    }
    body
}

/// `canopy_fast_path_lists_total{outcome}` from a server's `/metrics`.
async fn lists(app: &TestApp, outcome: &str) -> u64 {
    let text = reqwest::get(format!("{}/metrics", app.address))
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics text");
    let series = format!("canopy_fast_path_lists_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

/// The tree, its ids, and three signed-in users of different scopes and roles.
struct World {
    /// Every customer's id (each user sees only some), plus ids that name nothing.
    ids: Vec<String>,
    /// `after` values: real cursors of several lists, and garbage.
    cursors: Vec<String>,
    users: Vec<(String, String)>,
}

impl World {
    /// Root → 2 distributors → 2 sub-distributors each → 2 resellers each → 2 end-customers
    /// each (30 customers), with contacts, devices, trials, references and one branding.
    async fn build(app: &TestApp) -> World {
        let admin = app.sign_in_admin().await;
        let root = app.root_id(&admin).await;
        let levels = ["DISTRIBUTOR", "SUB_DISTRIBUTOR", "RESELLER", "END_CUSTOMER"];
        let mut parents = vec![root.clone()];
        let mut by_level: Vec<Vec<String>> = Vec::new();
        for (depth, level) in levels.iter().enumerate() {
            let mut made = Vec::new();
            for (p, parent) in parents.iter().enumerate() {
                for k in 0..2 {
                    let n = p * 2 + k;
                    let extra = json!({
                        "inTrial": n % 3 == 0,
                        "customerReference": if n % 2 == 0 { Value::from(format!("REF-{depth}-{n}")) } else { Value::Null },
                        "deviceCountry": COUNTRIES[n % 3],
                    });
                    let name = format!("{} {n}", level.to_lowercase().replace('_', " "));
                    made.push(
                        app.create_customer(&admin, parent, &name, level, extra)
                            .await,
                    );
                }
            }
            by_level.push(made.clone());
            parents = made;
        }
        let distributor = by_level[0][0].clone();
        let reseller = by_level[2][1].clone();
        for (i, id) in by_level
            .iter()
            .flatten()
            .enumerate()
            .filter(|(i, _)| i % 3 == 1)
        {
            app.data(
                Some(&admin),
                "mutation($c: ID!, $i: ContactInput!) { addContact(customerId: $c, input: $i) { id } }",
                json!({ "c": id, "i": { "firstName": format!("Ada {i}"), "lastName": "Lovelace", "email": format!("ada{i}@example.com"), "roles": ["TECHNICAL"] } }),
            )
            .await;
        }
        for (i, id) in by_level[3].iter().enumerate().filter(|(i, _)| i % 2 == 0) {
            app.data(
                Some(&admin),
                "mutation($c: ID!, $i: DeviceInput!) { addDevice(customerId: $c, input: $i) { id } }",
                json!({ "c": id, "i": { "name": format!("pc-{i}"), "usedStorageBytes": 1000 * i } }),
            )
            .await;
        }
        app.data(
            Some(&admin),
            "mutation($c: ID!, $i: BrandingInput!) { updateBranding(customerId: $c, input: $i) { branding { displayName } } }",
            json!({ "c": distributor, "i": { "displayName": "Distri", "primaryColor": "#112233" } }),
        )
        .await;

        let password = "a long enough password 1";
        app.create_user(
            &admin,
            &distributor,
            "dist@example.com",
            "ADMINISTRATOR",
            password,
        )
        .await;
        app.create_user(
            &admin,
            &reseller,
            "support@example.com",
            "SUPPORTER",
            password,
        )
        .await;
        let names = app
            .data(
                Some(&admin),
                "query($a: ID!, $b: ID!) { a: customer(id: $a) { name } b: customer(id: $b) { name } }",
                json!({ "a": distributor, "b": reseller }),
            )
            .await;
        let users = vec![
            ("the root's SUPERUSER".to_owned(), admin.clone()),
            (
                "a distributor's ADMINISTRATOR".to_owned(),
                app.sign_in(
                    names["a"]["name"].as_str().unwrap(),
                    "dist@example.com",
                    password,
                )
                .await,
            ),
            (
                "a reseller's SUPPORTER".to_owned(),
                app.sign_in(
                    names["b"]["name"].as_str().unwrap(),
                    "support@example.com",
                    password,
                )
                .await,
            ),
        ];

        let mut ids: Vec<String> = std::iter::once(root.clone())
            .chain(by_level.iter().flatten().cloned())
            .collect();
        let contact = app
            .data(
                Some(&admin),
                "{ customers(first: 500) { nodes { contacts { id } } } }",
                json!({}),
            )
            .await;
        if let Some(id) = contact["customers"]["nodes"]
            .as_array()
            .and_then(|nodes| nodes.iter().find_map(|n| n["contacts"][0]["id"].as_str()))
        {
            ids.push(id.to_owned());
        }
        ids.push("nope".into());
        ids.push("Q3VzdG9tZXI6OTk5OTk".into());

        let mut cursors = vec!["bad cursor".to_owned(), "eyJ4Ijo1fQ".to_owned()];
        for order in ["NAME", "LEVEL_AND_NAME", "CREATED_AT"] {
            let page = app
                .data(
                    Some(&admin),
                    "query($o: CustomerOrder) { root { children(first: 1, order: $o) { pageInfo { endCursor } } } customers(first: 3, order: $o) { pageInfo { endCursor } } }",
                    json!({ "o": order }),
                )
                .await;
            for cursor in [
                &page["root"]["children"]["pageInfo"]["endCursor"],
                &page["customers"]["pageInfo"]["endCursor"],
            ] {
                cursors.extend(cursor.as_str().map(str::to_owned));
            }
        }
        World {
            ids,
            cursors,
            users,
        }
    }
}

/// One generated operation.
struct Operation {
    query: String,
    variables: Value,
}

/// Builds one operation: its root fields, the fragments it spreads and the variables it uses.
struct Generator<'r> {
    rng: &'r mut StdRng,
    world: &'r World,
    /// Variables used so far: name → (type, value).
    variables: BTreeMap<String, (&'static str, Value)>,
    fragments: Vec<String>,
    aliases: usize,
    /// Inside the two halves of a field repeated under one response key: no argument errors
    /// and no `@skip`/`@include`.
    /// (Where one half's object is null for errors and the other's is not, the general
    /// executor's merge keeps whichever finished first, so the answer would depend on timing.)
    no_errors: bool,
}

impl<'r> Generator<'r> {
    fn new(rng: &'r mut StdRng, world: &'r World) -> Self {
        Self {
            rng,
            world,
            variables: BTreeMap::new(),
            fragments: Vec::new(),
            aliases: 0,
            no_errors: false,
        }
    }

    fn operation(mut self) -> Operation {
        let mut body = String::new();
        let roots = self.rng.gen_range(1..=2);
        for _ in 0..roots {
            let field = self.root_field();
            body.push_str(&field);
            body.push(' ');
        }
        let definitions: Vec<String> = self
            .variables
            .iter()
            .map(|(name, (ty, _))| format!("${name}: {ty}"))
            .collect();
        let mut query = if definitions.is_empty() {
            "query".to_owned()
        } else {
            format!("query({})", definitions.join(", "))
        };
        let _ = write!(query, " {{ {body}}}");
        for fragment in &self.fragments {
            query.push(' ');
            query.push_str(fragment);
        }
        let variables = self
            .variables
            .into_iter()
            .map(|(name, (_, value))| (name, value))
            .collect::<serde_json::Map<_, _>>();
        Operation {
            query,
            variables: Value::Object(variables),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    /// A variable of `ty` holding `value`, declared once per operation.
    fn variable(&mut self, name: &str, ty: &'static str, value: Value) -> String {
        self.variables.entry(name.to_owned()).or_insert((ty, value));
        format!("${name}")
    }

    /// Sometimes an alias, for fields whose every occurrence answers the same.
    fn alias(&mut self) -> String {
        if self.chance(0.3) {
            self.unique_alias()
        } else {
            String::new()
        }
    }

    /// A fresh alias, for fields with arguments or a selection of their own: async-graphql's
    /// validation lets two such fields share a response key across fragments, against the
    /// spec's "overlapping fields can be merged" rule, and the general executor then merges
    /// them in the order they finish (not deterministic, so not comparable).
    fn unique_alias(&mut self) -> String {
        self.aliases += 1;
        format!("a{}: ", self.aliases)
    }

    fn id_literal(&mut self) -> String {
        let id = self.pick(&self.world.ids).clone();
        if self.chance(0.3) {
            let n = self.rng.gen_range(0..3);
            self.variable(&format!("id{n}"), "ID!", json!(id))
        } else {
            format!("\"{id}\"")
        }
    }

    fn root_field(&mut self) -> String {
        let alias = self.alias();
        match self.rng.gen_range(0..5) {
            0 => format!("{alias}root {{ {} }}", self.customer(1)),
            1 | 2 => {
                let id = self.id_literal();
                format!("{alias}customer(id: {id}) {{ {} }}", self.customer(1))
            }
            3 => {
                let mut args = vec![format!("first: {}", self.pick(&[1, 3, 10, 500]))];
                if self.chance(0.3) {
                    args.push(format!(
                        "search: \"{}\"",
                        self.pick(&["1", "reseller", "e", "zz"])
                    ));
                }
                if self.chance(0.3) {
                    args.push(format!(
                        "levels: [{}]",
                        self.pick(&["RESELLER", "END_CUSTOMER", "DISTRIBUTOR, SUB_DISTRIBUTOR"])
                    ));
                }
                if self.chance(0.3) {
                    args.push(format!(
                        "order: {}",
                        self.pick(&["NAME", "LEVEL_AND_NAME", "CREATED_AT"])
                    ));
                }
                if self.chance(0.2) {
                    let cursor = self.pick(&self.world.cursors).clone();
                    args.push(format!("after: \"{cursor}\""));
                }
                format!(
                    "{alias}customers({}) {{ {} }}",
                    args.join(", "),
                    self.connection(1)
                )
            }
            _ => {
                let id = self.id_literal();
                format!(
                    "{alias}node(id: {id}) {{ __typename ... on Customer {{ {} }} ... on Contact {{ id firstName }} }}",
                    self.customer(1)
                )
            }
        }
    }

    /// `@skip`/`@include`, sometimes, with a literal or a variable.
    fn directive(&mut self) -> String {
        // In the halves of a repeated field, a skip could leave one half an empty (null)
        // object, which the general executor's merge orders by timing too.
        if self.no_errors || !self.chance(0.15) {
            return String::new();
        }
        let (name, var) = if self.chance(0.5) {
            ("skip", "s")
        } else {
            ("include", "i")
        };
        let condition = if self.chance(0.3) {
            self.pick(&["true", "false"]).to_string()
        } else {
            let n = self.rng.gen_range(0..2);
            let value = self.chance(0.5);
            self.variable(&format!("{var}{n}"), "Boolean!", json!(value))
        };
        format!(" @{name}(if: {condition})")
    }

    /// A selection of a `Customer` at `depth`.
    fn customer(&mut self, depth: usize) -> String {
        let count = self.rng.gen_range(1..=5);
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            let item = self.customer_item(depth);
            let wrapped = match self.rng.gen_range(0..10) {
                0 => {
                    let on = self.pick(&["", " on Customer"]).to_string();
                    let directive = self.directive();
                    format!("...{on}{directive} {{ {item} }}")
                }
                1 if depth < MAX_DEPTH => {
                    let name = format!("F{}", self.fragments.len());
                    let body = self.customer(depth + 1);
                    self.fragments
                        .push(format!("fragment {name} on Customer {{ {body} }}"));
                    let directive = self.directive();
                    format!("{item} ...{name}{directive}")
                }
                2 => format!("{item} ... on Node {{ id }}"),
                _ => item,
            };
            items.push(wrapped);
        }
        items.join(" ")
    }

    fn customer_item(&mut self, depth: usize) -> String {
        let directive = self.directive();
        let deeper = depth < MAX_DEPTH;
        let kind = self.rng.gen_range(0..20);
        let alias = if kind <= 7 {
            self.alias()
        } else {
            self.unique_alias()
        };
        match kind {
            0..=7 => format!("{alias}{}{directive}", self.pick(SCALAR_FIELDS)),
            8 => {
                let field = self.pick(&["deviceCount", "storageUsedBytes"]).to_string();
                let args = match self.rng.gen_range(0..4) {
                    0 => String::new(),
                    1 => "(includeDescendants: true)".into(),
                    2 => "(includeDescendants: false)".into(),
                    _ => {
                        let value = self.chance(0.5);
                        let var = self.variable("all", "Boolean", json!(value));
                        format!("(includeDescendants: {var})")
                    }
                };
                format!("{alias}{field}{args}{directive}")
            }
            9 => format!(
                "{alias}deviceCountry{directive} {{ {} }}",
                self.pick(&["code", "name", "code name __typename"])
            ),
            10..=13 if deeper => {
                if self.chance(0.25) && !self.no_errors {
                    // The same field twice under one response key, merged by the executor.
                    let outer = std::mem::replace(&mut self.no_errors, true);
                    let args = self.children_args();
                    let one = self.connection(depth + 1);
                    let two = self.connection(depth + 1);
                    self.no_errors = outer;
                    format!("{alias}children{args}{directive} {{ {one} }} {alias}children{args} {{ {two} }}")
                } else {
                    let args = self.children_args();
                    let selection = self.connection(depth + 1);
                    format!("{alias}children{args}{directive} {{ {selection} }}")
                }
            }
            14 if deeper => format!(
                "{alias}parent{directive} {{ {} }}",
                self.customer(depth + 1)
            ),
            15 => format!(
                "{alias}storageLocation{directive} {{ {} }}",
                self.pick(&[
                    "code",
                    "code name __typename",
                    "name country { code name }",
                    "country { __typename dataCenter { code } }",
                ])
            ),
            16 => format!(
                "{alias}contacts{directive} {{ {} }}",
                self.pick(&[
                    "id firstName lastName email roles __typename",
                    "title phone ... on Contact { n: lastName }",
                    "... on Node { id } firstName",
                    "id lastName lastName",
                ])
            ),
            17 => format!(
                "{alias}devices(first: {}){directive} {{ totalCount nodes {{ id name usedStorageBytes }} pageInfo {{ hasNextPage }} }}",
                self.pick(&[1, 2, 50])
            ),
            18 => format!(
                "{alias}{}{directive} {{ displayName primaryColor senderEmail }}",
                self.pick(&["branding", "effectiveBranding"])
            ),
            _ => format!("{alias}ancestors{directive} {{ id name }}"),
        }
    }

    fn children_args(&mut self) -> String {
        let mut args = Vec::new();
        let errors = !self.no_errors;
        match self.rng.gen_range(0..10) {
            0..=2 => {}
            3 if errors => args.push(format!("first: {}", self.pick(&[501, -1]))),
            4 if errors => {
                let value = *self.pick(&[1, 2, 600]);
                let var = self.variable("first", "Int", json!(value));
                args.push(format!("first: {var}"));
            }
            _ => args.push(format!("first: {}", self.pick(&[0, 1, 2, 3, 500]))),
        }
        if errors && self.chance(0.15) {
            let cursor = self.pick(&self.world.cursors).clone();
            if self.chance(0.5) {
                let var = self.variable("after", "String", json!(cursor));
                args.push(format!("after: {var}"));
            } else {
                args.push(format!("after: \"{cursor}\""));
            }
        }
        if self.chance(0.3) {
            args.push(format!(
                "order: {}",
                self.pick(&["NAME", "LEVEL_AND_NAME", "CREATED_AT"])
            ));
        }
        if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        }
    }

    /// A selection of a `CustomerConnection` whose customers are at `depth`.
    fn connection(&mut self, depth: usize) -> String {
        let count = self.rng.gen_range(1..=3);
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            let directive = self.directive();
            let kind = self.rng.gen_range(0..10);
            let alias = if kind >= 8 {
                self.alias()
            } else {
                self.unique_alias()
            };
            let item = match kind {
                0..=5 => format!("{alias}nodes{directive} {{ {} }}", self.customer(depth)),
                6 => format!(
                    "{alias}edges{directive} {{ cursor node {{ {} }} }}",
                    self.customer(depth)
                ),
                7 => format!(
                    "{alias}pageInfo{directive} {{ {} }}",
                    self.pick(&[
                        "hasNextPage",
                        "hasNextPage hasPreviousPage startCursor endCursor",
                        "endCursor __typename",
                    ])
                ),
                8 => format!("{alias}totalCount{directive}"),
                _ => format!("{alias}__typename{directive}"),
            };
            items.push(item);
        }
        items.join(" ")
    }
}

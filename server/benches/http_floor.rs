//! The HTTP floor of the load harness's read shapes: the raw-SQL floor's statements
//! (`raw_sql.rs`) behind a bare poem route that answers each of `bench/queries/canopy.mjs`'s
//! read shapes with the same JSON Canopy gives, and nothing else: no GraphQL, no session, no
//! scope. Driven by the same load client as Canopy (`bench/load.mjs`, which checks its answers
//! against Canopy's before measuring), it shows what GraphQL itself costs, also where HTTP and
//! not SQL is most of the time (`byId`).
//!
//!   cargo bench -p canopy-server --bench http_floor -- DATABASE_URL LISTEN_ADDRESS
//!
//! It serves until it is killed. A request names its shape by the operation name in its query
//! text (`Tree`, `Page`, `One`, `Search`) and passes the same variables as to Canopy.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use async_graphql::ScalarType as _;
use canopy_server::customers::model::CustomerCursor;
use canopy_server::db::{self, PushSql, ReadPool, ReadQuery};
use canopy_server::ids::{self, Kind};
use canopy_server::pagination;
use canopy_shared::customer::CustomerLevel;
use canopy_shared::trial;
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{handler, post, EndpointExt, IntoResponse, Response, Route, Server};
use serde_json::{json, Map, Value};
use sqlx::Row as _;

#[path = "floor/statements.rs"]
mod statements;

// The server's allocator (server/src/main.rs), so the floor is measured like for like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What the routes share: the read pool, and the distributors' paths by id (the raw floor
/// picks paths, never ids, so a tree costs it no lookup; neither may it cost this floor one).
struct Floor {
    reads: ReadPool,
    distributor_paths: HashMap<i64, String>,
}

#[derive(serde::Deserialize)]
struct Body {
    query: String,
    #[serde(default)]
    variables: Map<String, Value>,
}

#[handler]
async fn graphql(floor: Data<&Arc<Floor>>, Json(body): Json<Body>) -> Response {
    let answer = if body.query.contains("query Tree(") {
        tree3(&floor, &body.variables).await
    } else if body.query.contains("query Page(") {
        page50(&floor, &body.variables).await
    } else if body.query.contains("query One(") {
        by_id(&floor, &body.variables).await
    } else if body.query.contains("query Search(") {
        search(&floor, &body.variables).await
    } else {
        Err(anyhow::anyhow!(
            "the floor answers only the load harness's read shapes"
        ))
    };
    match answer {
        Ok(data) => Json(json!({ "data": data })).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, err.to_string()).into_response(),
    }
}

fn variable<'v>(variables: &'v Map<String, Value>, name: &str) -> Option<&'v str> {
    variables.get(name).and_then(Value::as_str)
}

fn customer_id(variables: &Map<String, Value>) -> anyhow::Result<i64> {
    variable(variables, "id")
        .and_then(|id| ids::decode(Kind::Customer, id))
        .context("`id` is not a customer id")
}

fn id(kind: Kind, number: i64) -> Value {
    Value::String(ids::encode(kind, number).0)
}

/// A time as Canopy's `DateTime` scalar writes it.
fn date_time(ms: i64) -> Value {
    canopy_server::clock::to_datetime(ms)
        .to_value()
        .into_json()
        .unwrap_or(Value::Null)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn state(trial_expires_at: Option<i64>, converted_at: Option<i64>) -> &'static str {
    trial::state_at(trial_expires_at, converted_at.is_some(), now_ms()).as_str()
}

fn level(rank: i16) -> &'static str {
    CustomerLevel::from_rank(rank).map_or("", CustomerLevel::as_str)
}

/// A distributor and three levels below it: one subtree range of the path index, children in
/// name order as Canopy's default order has them.
async fn tree3(floor: &Floor, variables: &Map<String, Value>) -> anyhow::Result<Value> {
    let root = customer_id(variables)?;
    let path = floor
        .distributor_paths
        .get(&root)
        .context("`id` is not a distributor")?;
    let q = statements::tree3("id, parent_id, name, name_key", path);
    let mut rows: Vec<(i64, Option<i64>, String, String)> = q.fetch_all(&floor.reads).await?;
    rows.sort_by(|a, b| (&a.3, a.0).cmp(&(&b.3, b.0)));
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        if let Some(parent) = row.1 {
            children.entry(parent).or_default().push(i);
        }
    }
    fn node(
        rows: &[(i64, Option<i64>, String, String)],
        children: &HashMap<i64, Vec<usize>>,
        i: usize,
        depth: usize,
    ) -> Value {
        let (number, _, name, _) = &rows[i];
        let mut object = Map::new();
        object.insert("id".into(), id(Kind::Customer, *number));
        object.insert("name".into(), Value::String(name.clone()));
        if depth < 3 {
            let nodes = children
                .get(number)
                .map(|c| {
                    c.iter()
                        .map(|&j| node(rows, children, j, depth + 1))
                        .collect()
                })
                .unwrap_or_default();
            object.insert("children".into(), json!({ "nodes": Value::Array(nodes) }));
        }
        Value::Object(object)
    }
    let top = rows
        .iter()
        .position(|r| r.0 == root)
        .context("the distributor is gone")?;
    Ok(json!({ "customer": node(&rows, &children, top, 0) }))
}

/// A page of end-customers in creation order after a cursor, then their contacts in one
/// statement.
async fn page50(floor: &Floor, variables: &Map<String, Value>) -> anyhow::Result<Value> {
    let after: Option<CustomerCursor> = pagination::decode_cursor(variable(variables, "after"))
        .map_err(|e| anyhow::anyhow!("`after`: {e:?}"))?;
    let mut q = ReadQuery::new(
        "SELECT id, name, device_country, service_type, trial_expires_at, converted_at, \
         device_count FROM customers WHERE level = ",
    );
    q.push_bind(CustomerLevel::EndCustomer.rank());
    if let Some(cursor) = &after {
        q.push(" AND (created_at, id) > (")
            .push_bind(cursor.created_at)
            .push(", ")
            .push_bind(cursor.id)
            .push(")");
    }
    q.push(" ORDER BY created_at, id LIMIT 51");
    type Customer = (i64, String, String, String, Option<i64>, Option<i64>, i64);
    let mut customers: Vec<Customer> = q.fetch_all(&floor.reads).await?;
    let has_next_page = customers.len() > 50;
    customers.truncate(50);
    let mut by_customer: HashMap<i64, Vec<Value>> = HashMap::new();
    if !customers.is_empty() {
        let mut q = ReadQuery::lookup(
            "SELECT id, customer_id, first_name, last_name, email, phone FROM contacts \
             WHERE customer_id IN (",
        );
        q.push_list(customers.iter().map(|c| c.0)).push(
            ") ORDER BY customer_id, LOWER(COALESCE(last_name, first_name)), \
             LOWER(COALESCE(first_name, '')), id",
        );
        type Contact = (
            i64,
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let contacts: Vec<Contact> = q.fetch_all(&floor.reads).await?;
        for (number, customer, first, last, email, phone) in contacts {
            by_customer.entry(customer).or_default().push(json!({
                "id": id(Kind::Contact, number), "firstName": first, "lastName": last,
                "email": email, "phone": phone,
            }));
        }
    }
    let nodes: Vec<Value> = customers
        .into_iter()
        .map(
            |(number, name, country, service_type, trial_expires_at, converted_at, devices)| {
                json!({
                    "id": id(Kind::Customer, number), "name": name,
                    "deviceCountry": { "code": country }, "serviceType": service_type,
                    "state": state(trial_expires_at, converted_at),
                    "contacts": by_customer.remove(&number).unwrap_or_default(),
                    "deviceCount": devices,
                })
            },
        )
        .collect();
    Ok(json!({ "customers": { "nodes": nodes, "pageInfo": { "hasNextPage": has_next_page } } }))
}

/// One customer by id.
async fn by_id(floor: &Floor, variables: &Map<String, Value>) -> anyhow::Result<Value> {
    let number = customer_id(variables)?;
    let mut q = ReadQuery::lookup(
        "SELECT parent_id, name, level, service_type, device_country, storage_location, \
         trial_expires_at, converted_at, created_at FROM customers WHERE id = ",
    );
    q.push_bind(number);
    type Customer = (
        Option<i64>,
        String,
        i16,
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        i64,
    );
    let rows: Vec<Customer> = q.fetch_all(&floor.reads).await?;
    let customer = rows.into_iter().next().map(
        |(
            parent,
            name,
            rank,
            service_type,
            country,
            storage,
            trial_expires_at,
            converted_at,
            created_at,
        )| {
            json!({
                "id": id(Kind::Customer, number),
                "parent": parent.map(|p| json!({ "id": id(Kind::Customer, p) })),
                "name": name, "level": level(rank), "serviceType": service_type,
                "deviceCountry": { "code": country }, "storageLocation": { "code": storage },
                "state": state(trial_expires_at, converted_at),
                "trialExpiresAt": trial_expires_at.map(date_time),
                "createdAt": date_time(created_at),
            })
        },
    );
    Ok(json!({ "customer": customer }))
}

/// The count and the first page of a substring search over the whole tree, in name order
/// (the raw floor's statements).
async fn search(floor: &Floor, variables: &Map<String, Value>) -> anyhow::Result<Value> {
    let fragment = variable(variables, "s")
        .context("`s` is missing")?
        .to_lowercase();
    anyhow::ensure!(
        fragment.chars().all(|c| c.is_ascii_alphanumeric()),
        "the floor searches for letters and digits only"
    );
    let search = |select| statements::name_search(&floor.reads, select, &fragment);
    let count: Vec<(i64,)> = search("SELECT COUNT(*) FROM customers")
        .fetch_all(&floor.reads)
        .await?;
    let mut q = search("SELECT id, name, level, trial_expires_at, converted_at FROM customers");
    q.push(" ORDER BY name_key, id LIMIT 50");
    type Found = (i64, String, i16, Option<i64>, Option<i64>);
    let rows: Vec<Found> = q.fetch_all(&floor.reads).await?;
    let nodes: Vec<Value> = rows
        .into_iter()
        .map(|(number, name, rank, trial_expires_at, converted_at)| {
            json!({
                "id": id(Kind::Customer, number), "name": name, "level": level(rank),
                "state": state(trial_expires_at, converted_at),
            })
        })
        .collect();
    let total = count.first().map_or(0, |c| c.0);
    Ok(json!({ "customers": { "totalCount": total, "nodes": nodes } }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; everything else is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [url, listen] = args.as_slice() else {
        anyhow::bail!("usage: http_floor DATABASE_URL LISTEN_ADDRESS");
    };
    let pool = db::connect(url).await?;
    let distributor_paths = sqlx::query("SELECT id, path FROM customers WHERE level = $1")
        .bind(CustomerLevel::Distributor.rank())
        .fetch_all(&pool)
        .await?
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
        .collect();
    let reads = ReadPool::open(url, &pool, db::PoolSettings::default()).await?;
    let floor = Arc::new(Floor {
        reads,
        distributor_paths,
    });
    let app = Route::new().at("/graphql", post(graphql)).data(floor);
    println!("HTTP floor: {url} on http://{listen}/graphql");
    Server::new(poem::listener::TcpListener::bind(listen.as_str()))
        .run(app)
        .await?;
    Ok(())
}

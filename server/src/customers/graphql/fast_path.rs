//! Customer lists answered without a future per field.
//!
//! async-graphql's general executor resolves every selected field of every list item through a
//! boxed future: about 3 µs of CPU per customer of a 2,111-customer tree, most of a tree
//! query's cost. When a list's customers are already in memory (a page's nodes, the levels of a
//! subtree that `SubtreeLoader` read ahead, the one customer `customer(id)` read), nothing in
//! most selections has to wait, so [`CustomerList`] and [`OneCustomer`] walk the selection set
//! themselves and build the values directly. What one read brings for the whole list (its
//! customers' contacts, the data-center table) is read once, and the walk starts again.
//!
//! The walk honours what GraphQL allows in a selection: aliases, fragments and inline fragments
//! with their type conditions, `__typename`, arguments (variables included) on nested
//! connections, and the executor's own merging of fields that share a response key.
//! (`@skip`/`@include` are applied by async-graphql before execution starts.)
//!
//! It knows only the fields whose answer is at hand. On any other field (devices, branding…),
//! any argument error, or any page of children that was not read ahead, it *gives way*: the
//! whole list goes through the general executor, which then answers, errors and their paths
//! included, as if the walk had never started. The walk reads nothing and writes nothing, so
//! giving way costs only the time spent. `tests/tests/api/fast_path.rs` runs generated
//! operations through both (`--fast-reads=false` turns the walk off) and compares.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{enum_value, resolve_list};
use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerResult, Value,
};
use canopy_shared::Module;

use super::object::{cursor_of, Customer, CustomerConnection, MAX_READ_AHEAD_LEVELS};
use crate::clock::to_datetime;
use crate::contacts::store::ContactRow;
use crate::customers::loaders::{self, ChildrenPage, Prefetched};
use crate::customers::model::{CustomerOrder, CustomerRow, Projection};
use crate::customers::store;
use crate::error::AppResult;
use crate::geo::store::DataCenterRow;
use crate::geo::Country;
use crate::ids::{self, Kind};
use crate::pagination::PageInfo;
use crate::request;

/// The customers of a page, as `CustomerConnection.nodes` returns them: walked here when every
/// selected field's answer is at hand, else resolved by the general executor.
pub struct CustomerList<'a> {
    pub nodes: &'a [Customer],
    /// The customer whose children these are, if they are (a child's `parent`).
    pub owner: Option<&'a Arc<CustomerRow>>,
}

impl OutputType for CustomerList<'_> {
    fn type_name() -> Cow<'static, str> {
        <&[Customer] as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <&[Customer] as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <&[Customer] as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if let Some(walked) = walk(ctx, self.nodes, self.owner).await {
            return Ok(Value::List(walked));
        }
        resolve_list(ctx, field, self.nodes.iter(), Some(self.nodes.len())).await
    }
}

/// One customer, as `customer(id)` and `root` return it: walked as a list of one.
pub struct OneCustomer(pub Customer);

impl OutputType for OneCustomer {
    fn type_name() -> Cow<'static, str> {
        <Customer as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Customer as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Customer as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if let Some(mut walked) = walk(ctx, std::slice::from_ref(&self.0), None).await {
            if let Some(one) = walked.pop() {
                return Ok(one);
            }
        }
        OutputType::resolve(&self.0, ctx, field).await
    }
}

/// The list as the walk answers it, or `None` where it gives way (or is turned off).
///
/// A walk that needs what is not yet at hand but can be read in one go (the subtrees below the
/// list's customers, their contacts, the data-center table) reads it and walks again; each at
/// most once.
async fn walk(
    ctx: &ContextSelectionSet<'_>,
    nodes: &[Customer],
    owner: Option<&Arc<CustomerRow>>,
) -> Option<Vec<Value>> {
    let read = request::read_ahead(ctx)?;
    let mut walk = Walk {
        ctx,
        now_ms: read.state.clock.now_ms(),
        viewer_customer: read.viewer.customer_id,
        prefetched: read.prefetched,
        contacts: None,
        data_centers: None,
        tree: None,
    };
    // A read that fails or does not fit gives way too: the general executor reads again and
    // reports the error where it belongs.
    let walked = loop {
        match walk.customers(ctx.item, nodes, owner) {
            Ok(value) => break Some(value),
            Err(GiveWay::Needs(Need::Subtree { parent, levels })) if walk.tree.is_none() => {
                match read_subtrees(&walk, &read, ctx.item, nodes, parent, levels).await {
                    Ok(Some(tree)) => walk.tree = Some(tree),
                    _ => break None,
                }
            }
            Err(GiveWay::Needs(Need::Contacts)) if walk.contacts.is_none() => {
                let ids = nodes.iter().map(|node| node.0.id);
                match read.details.contacts.load_many(ids).await {
                    Ok(contacts) => walk.contacts = Some(contacts),
                    Err(_) => break None,
                }
            }
            Err(GiveWay::Needs(Need::DataCenters)) if walk.data_centers.is_none() => {
                match read.data_centers().await {
                    Ok(table) => walk.data_centers = Some(table),
                    Err(_) => break None,
                }
            }
            Err(_) => break None,
        }
    };
    read.state.fast_reads.count(walked.is_some());
    walked
}

/// The subtrees below the list's customers, `levels` deep, read in one statement with only
/// the columns the list's selection shows (for the walk alone: see [`Walk::tree`]); `None`
/// when the customer that needs them is not one of the list's own, or they are too many.
async fn read_subtrees(
    walk: &Walk<'_, '_>,
    read: &request::ReadAhead<'_>,
    set: &Positioned<SelectionSet>,
    nodes: &[Customer],
    parent: i64,
    levels: usize,
) -> AppResult<Option<HashMap<i64, Vec<Arc<CustomerRow>>>>> {
    if !nodes.iter().any(|node| node.0.id == parent) {
        return Ok(None);
    }
    let roots: Vec<(i64, &str, usize)> = nodes
        .iter()
        .filter(|node| node.0.child_count > 0)
        .map(|node| (node.0.id, node.0.path.as_str(), levels))
        .collect();
    let rows: i64 = nodes.iter().map(|node| node.0.descendant_count).sum();
    if rows > loaders::PREFETCH_MAX_ROWS {
        return Ok(None);
    }
    let mut projection = Projection::keys();
    walk.projection(set, &mut projection, 0);
    let paths: Vec<(&str, usize)> = roots.iter().map(|(_, path, l)| (*path, *l)).collect();
    let rows = store::subtrees(&read.state.reads, &paths, projection).await?;
    Ok(Some(loaders::children_lists(&roots, rows)))
}

/// The walk met something only the general executor answers, or that it must read first.
#[derive(Debug)]
enum GiveWay {
    /// A field, argument or page the walk does not answer.
    Unknown,
    /// What one read brings for the whole list.
    Needs(Need),
}

#[derive(Debug)]
enum Need {
    /// The children of the list's customer `parent`, and theirs, `levels` deep.
    Subtree { parent: i64, levels: usize },
    /// The contacts of the list's customers.
    Contacts,
    /// The data-center table (storage locations).
    DataCenters,
}

type Walked = Result<Value, GiveWay>;

// Any error the walk meets is answered by the general executor, with its path.
macro_rules! give_way_on {
    ($($error:ty),*) => {$(
        impl From<$error> for GiveWay {
            fn from(_: $error) -> Self {
                GiveWay::Unknown
            }
        }
    )*};
}
give_way_on!(
    async_graphql::ServerError,
    async_graphql::Error,
    crate::error::AppError
);

/// One walk over one list's selection set.
struct Walk<'c, 'q> {
    ctx: &'c ContextSelectionSet<'q>,
    /// One reading of the clock for the whole list (the general executor reads it per field;
    /// the two differ only by the microseconds between readings).
    now_ms: i64,
    viewer_customer: i64,
    prefetched: &'c Prefetched,
    /// The contacts of the list's customers, once [`Need::Contacts`] asked for them.
    contacts: Option<HashMap<i64, Vec<ContactRow>>>,
    /// The data-center table, once [`Need::DataCenters`] asked for it.
    data_centers: Option<Arc<Vec<DataCenterRow>>>,
    /// Complete lists of children by parent, once [`Need::Subtree`] read them. Their rows
    /// hold only the columns this walk shows (the rest are blanks), so they stay here, never
    /// in the request's [`Prefetched`] rows that any resolver may read.
    tree: Option<HashMap<i64, Vec<Arc<CustomerRow>>>>,
}

impl<'c, 'q: 'c> Walk<'c, 'q> {
    /// The fields of `set` that apply to an object of type `type_name`, in document order,
    /// taken through the fragments whose type condition that object meets.
    fn fields<'s>(
        &self,
        set: &'s Positioned<SelectionSet>,
        type_name: &str,
        out: &mut Vec<&'s Positioned<Field>>,
    ) -> Result<(), GiveWay>
    where
        'q: 's,
    {
        for selection in &set.node.items {
            let (condition, nested) = match &selection.node {
                Selection::Field(field) => {
                    // Directives left after @skip/@include would be custom ones, which only
                    // the general executor applies.
                    if !field.node.directives.is_empty() {
                        return Err(GiveWay::Unknown);
                    }
                    out.push(field);
                    continue;
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = self
                        .ctx
                        .query_env
                        .fragments
                        .get(&spread.node.fragment_name.node)
                        .ok_or(GiveWay::Unknown)?;
                    (
                        Some(fragment.node.type_condition.node.on.node.as_str()),
                        &fragment.node.selection_set,
                    )
                }
                Selection::InlineFragment(fragment) => (
                    fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str()),
                    &fragment.node.selection_set,
                ),
            };
            if condition.is_none_or(|on| self.applies(on, type_name)) {
                self.fields(nested, type_name, out)?;
            }
        }
        Ok(())
    }

    /// Whether a fragment on `condition` applies to an object of type `type_name`: the type
    /// itself or an interface it implements (as the general executor decides).
    fn applies(&self, condition: &str, type_name: &str) -> bool {
        condition == type_name
            || self
                .ctx
                .schema_env
                .registry
                .implements
                .get(type_name)
                .is_some_and(|interfaces| interfaces.contains(condition))
    }

    /// An object of type `type_name`: each applicable field of `set` answered by `field`,
    /// merged by response key as the general executor merges them.
    fn object<'s>(
        &self,
        set: &'s Positioned<SelectionSet>,
        type_name: &'static str,
        mut field: impl FnMut(&'s Positioned<Field>) -> Walked,
    ) -> Walked
    where
        'q: 's,
    {
        let mut fields = Vec::new();
        self.fields(set, type_name, &mut fields)?;
        self.object_of(&fields, field_with_typename(type_name, &mut field))
    }

    /// An object of the fields collected by [`Self::fields`], each answered by `field`.
    fn object_of<'s>(
        &self,
        fields: &[&'s Positioned<Field>],
        mut field: impl FnMut(&'s Positioned<Field>) -> Walked,
    ) -> Walked {
        let mut out = IndexMap::with_capacity(fields.len());
        for &f in fields {
            let value = field(f)?;
            insert_value(&mut out, f.node.response_key().node.clone(), value);
        }
        // The general executor answers an object whose fields were all skipped with null.
        Ok(if out.is_empty() {
            Value::Null
        } else {
            Value::Object(out)
        })
    }

    /// A list of customers: the selection's fields collected once, then each customer.
    fn customers(
        &self,
        set: &Positioned<SelectionSet>,
        nodes: &[Customer],
        owner: Option<&Arc<CustomerRow>>,
    ) -> Result<Vec<Value>, GiveWay> {
        let mut fields = Vec::new();
        self.fields(set, "Customer", &mut fields)?;
        let mut items = Vec::with_capacity(nodes.len());
        for node in nodes {
            items.push(self.customer(&fields, &node.0, owner)?);
        }
        Ok(items)
    }

    fn customer(
        &self,
        fields: &[&Positioned<Field>],
        row: &Arc<CustomerRow>,
        owner: Option<&Arc<CustomerRow>>,
    ) -> Walked {
        self.object_of(fields, |field| self.customer_field(field, row, owner))
    }

    /// One field of a customer, as `Customer`'s resolvers in `object.rs` answer it.
    fn customer_field(
        &self,
        field: &Positioned<Field>,
        row: &Arc<CustomerRow>,
        owner: Option<&Arc<CustomerRow>>,
    ) -> Walked {
        Ok(match field.node.name.node.as_str() {
            "__typename" => Value::String("Customer".into()),
            "id" => ids::encode(Kind::Customer, row.id).to_value(),
            "name" => Value::String(row.name.clone()),
            "level" => enum_value(row.level()),
            "serviceType" => enum_value(row.service_type()),
            "childServiceTypes" => enums(row.child_service_types()),
            "deviceCountry" => {
                let country = Country::from_stored(&row.device_country)?;
                self.country(&field.node.selection_set, country)?
            }
            "state" => enum_value(row.state(self.now_ms)),
            "trialExpiresAt" => row
                .trial_expires_at
                .map_or(Value::Null, |at| to_datetime(at).to_value()),
            "customerReference" => row
                .customer_reference
                .clone()
                .map_or(Value::Null, Value::String),
            "createdAt" => to_datetime(row.created_at).to_value(),
            "version" => row.version.to_value(),
            "childCount" => row.child_count.to_value(),
            "descendantCount" => row.descendant_count.to_value(),
            "modules" => enums(Module::for_level(row.level())),
            "deviceCount" => if self.include_descendants(field)? {
                row.subtree_device_count
            } else {
                row.device_count
            }
            .to_value(),
            "storageUsedBytes" => (if self.include_descendants(field)? {
                row.subtree_storage_used_bytes
            } else {
                row.storage_used_bytes
            } as f64)
                .to_value(),
            "removable" => Value::Boolean(
                row.child_count == 0
                    && row.device_count == 0
                    && !row.is_installation_root()
                    && row.id != self.viewer_customer,
            ),
            "storageLocation" => self.storage_location(&field.node.selection_set, row)?,
            "contacts" => self.contacts(&field.node.selection_set, row)?,
            "parent" => self.parent(field, row, owner)?,
            "children" => self.children(field, row)?,
            _ => return Err(GiveWay::Unknown),
        })
    }

    /// `includeDescendants` of `deviceCount` and `storageUsedBytes` (false when omitted).
    fn include_descendants(&self, field: &Positioned<Field>) -> Result<bool, GiveWay> {
        let (_, value) = self
            .ctx
            .with_field(field)
            .param_value::<Option<bool>>("includeDescendants", Some(|| Some(false)))?;
        Ok(value.unwrap_or(false))
    }

    /// The parent, when its row is at hand: the list's owner, or a customer read ahead.
    fn parent(
        &self,
        field: &Positioned<Field>,
        row: &CustomerRow,
        owner: Option<&Arc<CustomerRow>>,
    ) -> Walked {
        let Some(parent_id) = row.parent_id else {
            return Ok(Value::Null);
        };
        let parent = match owner {
            Some(owner) if owner.id == parent_id => owner.clone(),
            _ => self
                .prefetched
                .customer(parent_id)
                .ok_or(GiveWay::Unknown)?,
        };
        let mut fields = Vec::new();
        self.fields(&field.node.selection_set, "Customer", &mut fields)?;
        self.customer(&fields, &parent, None)
    }

    /// A page of children, when it was read ahead (or there are none), with the arguments,
    /// rules and page bounds of `Customer.children`.
    fn children(&self, field: &Positioned<Field>, row: &Arc<CustomerRow>) -> Walked {
        let ctx = self.ctx.with_field(field);
        let (_, first) = ctx.param_value::<Option<i32>>("first", None)?;
        let (_, after) = ctx.param_value::<Option<String>>("after", None)?;
        let (_, order) =
            ctx.param_value::<Option<CustomerOrder>>("order", Some(|| Some(CustomerOrder::Name)))?;
        let page = ChildrenPage::from_arguments(first, after.as_deref(), order)?;
        let rows = if row.child_count == 0 {
            Vec::new()
        } else if let Some(children) = self.tree.as_ref().and_then(|tree| tree.get(&row.id)) {
            loaders::page_of(children, &page)
        } else if let Some(rows) = self.prefetched.page(row.id, &page) {
            rows
        } else if self.tree.is_none() {
            return Err(GiveWay::Needs(Need::Subtree {
                parent: row.id,
                levels: 1 + self.nested_children(&field.node.selection_set, 1)?,
            }));
        } else {
            return Err(GiveWay::Unknown);
        };
        let connection =
            CustomerConnection::new(rows, page.limit, page.after.is_some(), row.child_count);
        self.connection(&field.node.selection_set, &connection, Some(row))
    }

    /// How many levels of `children` a `children` field's selection (`set`, a connection's)
    /// nests below itself, through `nodes` and `edges { node }`, when the field is at `depth`
    /// (1 for the first); bounded as the general resolver bounds it.
    fn nested_children(
        &self,
        set: &Positioned<SelectionSet>,
        depth: usize,
    ) -> Result<usize, GiveWay> {
        if depth >= MAX_READ_AHEAD_LEVELS {
            return Ok(0);
        }
        let mut deepest = 0;
        for customers in self.customer_selections(set)? {
            let mut fields = Vec::new();
            self.fields(customers, "Customer", &mut fields)?;
            for field in fields {
                if field.node.name.node == "children" {
                    let below = 1 + self.nested_children(&field.node.selection_set, depth + 1)?;
                    deepest = deepest.max(below);
                }
            }
        }
        Ok(deepest)
    }

    /// The customer selections of a connection's selection: its `nodes`, its `edges { node }`.
    fn customer_selections<'s>(
        &self,
        connection: &'s Positioned<SelectionSet>,
    ) -> Result<Vec<&'s Positioned<SelectionSet>>, GiveWay>
    where
        'q: 's,
    {
        let mut out = Vec::new();
        let mut fields = Vec::new();
        self.fields(connection, "CustomerConnection", &mut fields)?;
        for field in fields {
            match field.node.name.node.as_str() {
                "nodes" => out.push(&field.node.selection_set),
                "edges" => {
                    let mut edge = Vec::new();
                    self.fields(&field.node.selection_set, "CustomerEdge", &mut edge)?;
                    out.extend(
                        edge.into_iter()
                            .filter(|f| f.node.name.node == "node")
                            .map(|f| &f.node.selection_set),
                    );
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Adds the columns that the customers of `set` (a customer selection) and those nested in
    /// it show. A field the walk does not know needs every column (it gives way anyway).
    fn projection(&self, set: &Positioned<SelectionSet>, out: &mut Projection, depth: usize) {
        const MAX_DEPTH: usize = 16;
        let mut fields = Vec::new();
        if depth > MAX_DEPTH || self.fields(set, "Customer", &mut fields).is_err() {
            *out = Projection::ALL;
            return;
        }
        for field in fields {
            let columns: &[&str] = match field.node.name.node.as_str() {
                "__typename" | "id" | "level" | "createdAt" | "childCount" | "modules"
                | "contacts" => &[],
                "name" => &["name"],
                "serviceType" => &["service_type"],
                "childServiceTypes" => &["child_service_types"],
                "deviceCountry" => &["device_country"],
                "storageLocation" => &["storage_location"],
                "state" => &["trial_expires_at", "converted_at"],
                "trialExpiresAt" => &["trial_expires_at"],
                "customerReference" => &["customer_reference"],
                "version" => &["version"],
                "descendantCount" => &["descendant_count"],
                "deviceCount" => &["device_count", "subtree_device_count"],
                "storageUsedBytes" => &["storage_used_bytes", "subtree_storage_used_bytes"],
                "removable" => &["device_count"],
                "parent" => {
                    self.projection(&field.node.selection_set, out, depth + 1);
                    &[]
                }
                "children" => {
                    match self.customer_selections(&field.node.selection_set) {
                        Ok(sets) => {
                            for customers in sets {
                                self.projection(customers, out, depth + 1);
                            }
                        }
                        Err(_) => *out = Projection::ALL,
                    }
                    &[]
                }
                _ => {
                    *out = Projection::ALL;
                    return;
                }
            };
            for column in columns {
                *out = out.with(column);
            }
        }
    }

    fn connection(
        &self,
        set: &Positioned<SelectionSet>,
        connection: &CustomerConnection,
        owner: Option<&Arc<CustomerRow>>,
    ) -> Walked {
        self.object(set, "CustomerConnection", |field| {
            let nested = &field.node.selection_set;
            Ok(match field.node.name.node.as_str() {
                "nodes" => Value::List(self.customers(nested, &connection.nodes, owner)?),
                "edges" => self.edges(nested, &connection.nodes, owner)?,
                "pageInfo" => self.page_info(nested, &connection.page_info)?,
                "totalCount" => connection.total_count.to_value(),
                _ => return Err(GiveWay::Unknown),
            })
        })
    }

    fn edges(
        &self,
        set: &Positioned<SelectionSet>,
        nodes: &[Customer],
        owner: Option<&Arc<CustomerRow>>,
    ) -> Walked {
        let mut fields = Vec::new();
        self.fields(set, "CustomerEdge", &mut fields)?;
        let mut edges = Vec::with_capacity(nodes.len());
        for node in nodes {
            let edge = self.object_of(
                &fields,
                field_with_typename("CustomerEdge", |field| {
                    Ok(match field.node.name.node.as_str() {
                        "node" => {
                            let mut node_fields = Vec::new();
                            self.fields(&field.node.selection_set, "Customer", &mut node_fields)?;
                            self.customer(&node_fields, &node.0, owner)?
                        }
                        "cursor" => Value::String(cursor_of(&node.0)),
                        _ => return Err(GiveWay::Unknown),
                    })
                }),
            )?;
            edges.push(edge);
        }
        Ok(Value::List(edges))
    }

    fn page_info(&self, set: &Positioned<SelectionSet>, info: &PageInfo) -> Walked {
        let cursor = |c: &Option<String>| c.clone().map_or(Value::Null, Value::String);
        self.object(set, "PageInfo", |field| {
            Ok(match field.node.name.node.as_str() {
                "hasNextPage" => Value::Boolean(info.has_next_page),
                "hasPreviousPage" => Value::Boolean(info.has_previous_page),
                "startCursor" => cursor(&info.start_cursor),
                "endCursor" => cursor(&info.end_cursor),
                _ => return Err(GiveWay::Unknown),
            })
        })
    }

    /// The customer's contacts, from the batch read for the list.
    fn contacts(&self, set: &Positioned<SelectionSet>, row: &CustomerRow) -> Walked {
        let all = self
            .contacts
            .as_ref()
            .ok_or(GiveWay::Needs(Need::Contacts))?;
        // Only the list's own customers are in the batch; nested ones give way.
        let contacts = all.get(&row.id).ok_or(GiveWay::Unknown)?;
        let mut fields = Vec::new();
        self.fields(set, "Contact", &mut fields)?;
        let mut items = Vec::with_capacity(contacts.len());
        for contact in contacts {
            items.push(self.object_of(
                &fields,
                field_with_typename("Contact", |field| {
                    Ok(match field.node.name.node.as_str() {
                        "id" => ids::encode(Kind::Contact, contact.id).to_value(),
                        "firstName" => text(&contact.first_name),
                        "lastName" => text(&contact.last_name),
                        "title" => text(&contact.title),
                        "email" => text(&contact.email),
                        "phone" => text(&contact.phone),
                        "roles" => enums(contact.roles()),
                        _ => return Err(GiveWay::Unknown),
                    })
                }),
            )?);
        }
        Ok(Value::List(items))
    }

    /// The customer's data center, from the table read for the list.
    fn storage_location(&self, set: &Positioned<SelectionSet>, row: &CustomerRow) -> Walked {
        let table = self
            .data_centers
            .as_ref()
            .ok_or(GiveWay::Needs(Need::DataCenters))?;
        let dc = table
            .iter()
            .find(|dc| dc.code == row.storage_location)
            .ok_or(GiveWay::Unknown)?;
        self.object(set, "DataCenter", |field| {
            Ok(match field.node.name.node.as_str() {
                "code" => Value::String(dc.code.clone()),
                "name" => Value::String(dc.name.clone()),
                "country" => {
                    let country = Country::from_stored(&dc.country)?;
                    self.country(&field.node.selection_set, country)?
                }
                _ => return Err(GiveWay::Unknown),
            })
        })
    }

    fn country(&self, set: &Positioned<SelectionSet>, country: Country) -> Walked {
        self.object(set, "Country", |field| {
            Ok(match field.node.name.node.as_str() {
                "code" => Value::String(country.0.code().into()),
                "name" => Value::String(country.0.name().into()),
                _ => return Err(GiveWay::Unknown),
            })
        })
    }
}

/// `field`, with `__typename` answered as the type's name.
fn field_with_typename<'f, 's>(
    type_name: &'static str,
    mut field: impl FnMut(&'s Positioned<Field>) -> Walked + 'f,
) -> impl FnMut(&'s Positioned<Field>) -> Walked + 'f {
    move |f| {
        if f.node.name.node == "__typename" {
            Ok(Value::String(type_name.into()))
        } else {
            field(f)
        }
    }
}

/// Optional text, as the general executor writes it.
fn text(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::String)
}

/// A list of enum values, as the general executor writes one.
fn enums<T: async_graphql::EnumType>(values: Vec<T>) -> Value {
    Value::List(values.into_iter().map(enum_value).collect())
}

/// Merges a field's value into an object as async-graphql's general executor does
/// (`resolver_utils::container::insert_value`, private there): the first value of a response
/// key keeps its place; a later one merges into it when both are objects, or lists of objects
/// item by item, and is dropped otherwise.
fn insert_value(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    if let Some(prev) = target.get_mut(&name) {
        match (prev, value) {
            (Value::Object(prev), Value::Object(value)) => {
                for (key, value) in value {
                    insert_value(prev, key, value);
                }
            }
            (Value::List(prev), Value::List(value)) => {
                for (idx, value) in value.into_iter().enumerate() {
                    if let (Some(Value::Object(prev)), Value::Object(value)) =
                        (prev.get_mut(idx), value)
                    {
                        for (key, value) in value {
                            insert_value(prev, key, value);
                        }
                    }
                }
            }
            _ => {}
        }
    } else {
        target.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (Name::new(k), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn a_later_object_merges_into_the_first_and_a_later_scalar_is_dropped() {
        let mut out = IndexMap::new();
        insert_value(&mut out, Name::new("a"), obj(&[("x", Value::from(1))]));
        insert_value(&mut out, Name::new("b"), Value::from(2));
        insert_value(
            &mut out,
            Name::new("a"),
            obj(&[("y", Value::from(3)), ("x", Value::from(9))]),
        );
        insert_value(&mut out, Name::new("b"), Value::from(5));
        assert_eq!(
            Value::Object(out),
            obj(&[
                ("a", obj(&[("x", Value::from(1)), ("y", Value::from(3))])),
                ("b", Value::from(2)),
            ])
        );
    }

    #[test]
    fn lists_of_objects_merge_item_by_item() {
        let mut out = IndexMap::new();
        let list = |k: &str| {
            Value::List(vec![
                obj(&[(k, Value::from(1))]),
                obj(&[(k, Value::from(2))]),
            ])
        };
        insert_value(&mut out, Name::new("l"), list("a"));
        insert_value(&mut out, Name::new("l"), list("b"));
        assert_eq!(
            out["l"],
            Value::List(vec![
                obj(&[("a", Value::from(1)), ("b", Value::from(1))]),
                obj(&[("a", Value::from(2)), ("b", Value::from(2))]),
            ])
        );
    }
}

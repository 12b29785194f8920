//! Customer lists answered without a future per field.
//!
//! async-graphql's general executor resolves every selected field of every list item through a
//! boxed future: about 3 µs of CPU per customer of a 2,111-customer tree, most of a tree
//! query's cost. When a list's customers are already in memory (a page's nodes, the levels of a
//! subtree that `SubtreeLoader` read ahead), nothing in most selections has to wait, so
//! [`CustomerList`] walks the selection set itself and builds the values directly.
//!
//! The walk honours what GraphQL allows in a selection: aliases, fragments and inline fragments
//! with their type conditions, `__typename`, arguments (variables included) on nested
//! connections, and the executor's own merging of fields that share a response key.
//! (`@skip`/`@include` are applied by async-graphql before execution starts.)
//!
//! It knows only the fields whose answer is at hand. On any other field (contacts, branding…),
//! any argument error, or any page of children that was not read ahead, it *gives way*: the
//! whole list goes through the general executor, which then answers, errors and their paths
//! included, as if the walk had never started. The walk reads nothing and writes nothing, so
//! giving way costs only the time spent. `tests/tests/api/fast_path.rs` runs generated
//! operations through both (`--fast-reads=false` turns the walk off) and compares.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{enum_value, resolve_list};
use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerResult, Value,
};
use canopy_shared::Module;

use super::object::{cursor_of, Customer, CustomerConnection};
use crate::clock::to_datetime;
use crate::customers::loaders::{ChildrenPage, Prefetched};
use crate::customers::model::{CustomerCursor, CustomerOrder, CustomerRow};
use crate::geo::Country;
use crate::ids::{self, Kind};
use crate::pagination::{self, PageInfo};
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
        if let Some(walked) = walk(ctx, self) {
            return Ok(walked);
        }
        resolve_list(ctx, field, self.nodes.iter(), Some(self.nodes.len())).await
    }
}

/// The list as the walk answers it, or `None` where it gives way (or is turned off).
fn walk(ctx: &ContextSelectionSet<'_>, list: &CustomerList<'_>) -> Option<Value> {
    let (state, viewer, prefetched) = request::read_ahead(ctx)?;
    let walk = Walk {
        ctx,
        now_ms: state.clock.now_ms(),
        viewer_customer: viewer.customer_id,
        prefetched,
    };
    let walked = walk.customers(ctx.item, list.nodes, list.owner).ok();
    state.fast_reads.count(walked.is_some());
    walked
}

/// The walk met something only the general executor answers.
#[derive(Debug)]
struct GiveWay;

type Walked = Result<Value, GiveWay>;

// Any error the walk meets is answered by the general executor, with its path.
macro_rules! give_way_on {
    ($($error:ty),*) => {$(
        impl From<$error> for GiveWay {
            fn from(_: $error) -> Self {
                GiveWay
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
                        return Err(GiveWay);
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
                        .ok_or(GiveWay)?;
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
    ) -> Walked {
        let mut fields = Vec::new();
        self.fields(set, "Customer", &mut fields)?;
        let mut items = Vec::with_capacity(nodes.len());
        for node in nodes {
            items.push(self.customer(&fields, &node.0, owner)?);
        }
        Ok(Value::List(items))
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
            "parent" => self.parent(field, row, owner)?,
            "children" => self.children(field, row)?,
            _ => return Err(GiveWay),
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
            _ => self.prefetched.customer(parent_id).ok_or(GiveWay)?,
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
        let limit = pagination::page_size(first)?;
        let cursor: Option<CustomerCursor> = pagination::decode_cursor(after.as_deref())?;
        let after_given = cursor.is_some();
        let page = ChildrenPage {
            order: order.unwrap_or_default(),
            limit,
            after: cursor,
        };
        let rows = if row.child_count == 0 {
            Vec::new()
        } else {
            self.prefetched.page(row.id, &page).ok_or(GiveWay)?
        };
        let connection = CustomerConnection::new(rows, limit, after_given, row.child_count);
        self.connection(&field.node.selection_set, &connection, Some(row))
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
                "nodes" => self.customers(nested, &connection.nodes, owner)?,
                "edges" => self.edges(nested, &connection.nodes, owner)?,
                "pageInfo" => self.page_info(nested, &connection.page_info)?,
                "totalCount" => connection.total_count.to_value(),
                _ => return Err(GiveWay),
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
                        _ => return Err(GiveWay),
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
                _ => return Err(GiveWay),
            })
        })
    }

    fn country(&self, set: &Positioned<SelectionSet>, country: Country) -> Walked {
        self.object(set, "Country", |field| {
            Ok(match field.node.name.node.as_str() {
                "code" => Value::String(country.0.code().into()),
                "name" => Value::String(country.0.name().into()),
                _ => return Err(GiveWay),
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

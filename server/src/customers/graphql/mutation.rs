//! Changing the customer tree: create, update, move, remove, convert and storage location.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, ID};
use canopy_shared::{CustomerLevel, ServiceType};

use super::object::Customer;
use crate::customers::service::{self, CreateCustomer, UpdateCustomer};
use crate::error::AppError;
use crate::ids::{self, customer_id, Kind};
use crate::request;

/// `createCustomer`'s input.
#[derive(InputObject)]
pub struct CreateCustomerInput {
    /// The customer to create the new one under.
    pub parent_id: ID,
    /// Unique across the installation, case-insensitively; 1 to 128 characters.
    pub name: String,
    /// Must be below the parent's level.
    pub level: CustomerLevel,
    /// Must be one of the parent's `childServiceTypes`.
    pub service_type: ServiceType,
    /// What the new customer may sell on; defaults to its own service type.
    pub child_service_types: Option<Vec<ServiceType>>,
    /// ISO 3166-1 alpha-2 code.
    pub device_country: String,
    /// Data center code: required when the device country has no data center, and otherwise
    /// either omitted or that country's own.
    pub storage_location: Option<String>,
    /// Start a 30-day trial.
    #[graphql(default = false)]
    pub in_trial: bool,
    /// External or billing code, at most 64 characters.
    pub customer_reference: Option<String>,
}

/// `updateCustomer`'s input: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCustomerInput {
    /// Renaming means the customer's users sign in with the new name.
    pub name: Option<String>,
    /// Must stay below the parent's level and above the children's.
    pub level: Option<CustomerLevel>,
    /// Must be one of the parent's `childServiceTypes`.
    pub service_type: Option<ServiceType>,
    /// Must keep every service type the customer's children use.
    pub child_service_types: Option<Vec<ServiceType>>,
    /// Changing it never changes the storage location.
    pub device_country: Option<String>,
    /// Null or blank clears it.
    pub customer_reference: MaybeUndefined<String>,
    /// The `version` you edited; a mismatch is a `CONFLICT`.
    pub expected_version: Option<i64>,
}

/// Changing the customer tree.
#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a customer below `input.parentId`.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new customer.")] input: CreateCustomerInput,
    ) -> Result<Customer> {
        let (state, viewer) = request::signed_in(ctx)?;
        let parent_id = ids::decode(Kind::Customer, &input.parent_id)
            .ok_or_else(|| AppError::NotFound("Parent customer not found".into()))?;
        let row = service::create(
            state,
            viewer,
            CreateCustomer {
                parent_id,
                name: input.name,
                level: input.level,
                service_type: input.service_type,
                child_service_types: input.child_service_types,
                device_country: input.device_country,
                storage_location: input.storage_location,
                in_trial: input.in_trial,
                customer_reference: input.customer_reference,
            },
        )
        .await?;
        Ok(Customer::from(row))
    }

    /// Edits a customer's general fields.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer to edit.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateCustomerInput,
    ) -> Result<Customer> {
        let (state, viewer) = request::signed_in(ctx)?;
        let update = UpdateCustomer {
            name: input.name,
            level: input.level,
            service_type: input.service_type,
            child_service_types: input.child_service_types,
            device_country: input.device_country,
            customer_reference: match input.customer_reference {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
            expected_version: input.expected_version,
        };
        Ok(Customer::from(
            service::update(state, viewer, customer_id(&id)?, update).await?,
        ))
    }

    /// Moves a customer, with its whole subtree, under another parent.
    async fn move_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer to move.")] id: ID,
        #[graphql(desc = "Its new parent.")] new_parent_id: ID,
        #[graphql(desc = "The `version` you saw; a mismatch is a `CONFLICT`.")]
        expected_version: Option<i64>,
    ) -> Result<Customer> {
        let (state, viewer) = request::signed_in(ctx)?;
        let id = customer_id(&id)?;
        let new_parent = ids::decode(Kind::Customer, &new_parent_id)
            .ok_or_else(|| AppError::NotFound("New parent customer not found".into()))?;
        Ok(Customer::from(
            service::move_to(state, viewer, id, new_parent, expected_version).await?,
        ))
    }

    /// Removes a customer without devices and without customers of its own; returns its ID.
    async fn remove_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer to remove.")] id: ID,
    ) -> Result<ID> {
        let (state, viewer) = request::signed_in(ctx)?;
        service::remove(state, viewer, customer_id(&id)?).await?;
        Ok(id)
    }

    /// Converts a trial customer to production.
    async fn convert_to_production(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The trial customer.")] id: ID,
    ) -> Result<Customer> {
        let (state, viewer) = request::signed_in(ctx)?;
        Ok(Customer::from(
            service::convert_to_production(state, viewer, customer_id(&id)?).await?,
        ))
    }

    /// Changes a customer's storage location: Only a SUPERUSER of the root customer may.
    async fn change_storage_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer.")] id: ID,
        #[graphql(desc = "The new data center's code, e.g. `DE`.")] storage_location: String,
    ) -> Result<Customer> {
        let (state, viewer) = request::signed_in(ctx)?;
        Ok(Customer::from(
            service::change_storage_location(state, viewer, customer_id(&id)?, &storage_location)
                .await?,
        ))
    }
}

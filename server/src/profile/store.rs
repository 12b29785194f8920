//! Company profiles' SQL. A customer without a row has an empty profile.

use sqlx::{AnyConnection, AnyExecutor};

use crate::db::{PushSql, QueryBuilder};
use crate::error::AppResult;
use crate::ids::{self, Kind};
use crate::viewer::Scope;

/// One row of `company_profiles` (or the empty profile of a customer without one).
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct ProfileRow {
    pub customer_id: i64,
    pub legal_name: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub vat_number: Option<String>,
    pub chamber_of_commerce_number: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
    pub billing_contact_id: Option<i64>,
    pub billing_email: Option<String>,
    pub updated_at: i64,
}

impl ProfileRow {
    /// The empty profile of a customer.
    pub fn empty(customer_id: i64) -> Self {
        Self {
            customer_id,
            ..Self::default()
        }
    }

    /// The profile as the audit history records it.
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "legalName": self.legal_name,
            "website": self.website,
            "phone": self.phone,
            "vatNumber": self.vat_number,
            "chamberOfCommerceNumber": self.chamber_of_commerce_number,
            "address": {
                "street": self.street,
                "city": self.city,
                "district": self.district,
                "state": self.state,
                "zipCode": self.zip_code,
                "country": self.country,
            },
            "billingContactId": self.billing_contact_id.map(|id| ids::encode(Kind::Contact, id).0),
            "billingEmail": self.billing_email,
        })
    }
}

const COLUMNS: &str = "p.customer_id, p.legal_name, p.website, p.phone, p.vat_number, \
    p.chamber_of_commerce_number, p.street, p.city, p.district, p.state, p.zip_code, p.country, \
    p.billing_contact_id, p.billing_email, p.updated_at";

/// The profiles of these customers (those in scope that have one).
pub async fn for_customers<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    customer_ids: &[i64],
) -> AppResult<Vec<ProfileRow>> {
    let mut q = QueryBuilder::new(format!(
        "SELECT {COLUMNS} FROM company_profiles p JOIN customers c ON c.id = p.customer_id \
         WHERE p.customer_id IN ("
    ));
    q.push_list(customer_ids.iter().copied());
    q.push(") AND c.path >= ")
        .push_bind(&scope.lo)
        .push(" AND c.path < ")
        .push_bind(&scope.hi);
    Ok(q.build_query_as()?.fetch_all(exec).await?)
}

/// The profile of a customer the caller already found in scope.
pub async fn get(conn: &mut AnyConnection, customer_id: i64) -> AppResult<Option<ProfileRow>> {
    let sql = format!("SELECT {COLUMNS} FROM company_profiles p WHERE p.customer_id = $1");
    Ok(sqlx::query_as(&sql)
        .bind(customer_id)
        .fetch_optional(conn)
        .await?)
}

/// Writes a customer's whole profile.
pub async fn upsert(conn: &mut AnyConnection, p: &ProfileRow) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO company_profiles (customer_id, legal_name, website, phone, vat_number, \
         chamber_of_commerce_number, street, city, district, state, zip_code, country, \
         billing_contact_id, billing_email, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (customer_id) DO UPDATE SET legal_name = excluded.legal_name, \
         website = excluded.website, phone = excluded.phone, vat_number = excluded.vat_number, \
         chamber_of_commerce_number = excluded.chamber_of_commerce_number, \
         street = excluded.street, city = excluded.city, district = excluded.district, \
         state = excluded.state, zip_code = excluded.zip_code, country = excluded.country, \
         billing_contact_id = excluded.billing_contact_id, \
         billing_email = excluded.billing_email, updated_at = excluded.updated_at",
    )
    .bind(p.customer_id)
    .bind(&p.legal_name)
    .bind(&p.website)
    .bind(&p.phone)
    .bind(&p.vat_number)
    .bind(&p.chamber_of_commerce_number)
    .bind(&p.street)
    .bind(&p.city)
    .bind(&p.district)
    .bind(&p.state)
    .bind(&p.zip_code)
    .bind(&p.country)
    .bind(p.billing_contact_id)
    .bind(&p.billing_email)
    .bind(p.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears a customer's billing contact (its contact is being removed).
pub async fn clear_billing_contact(
    conn: &mut AnyConnection,
    customer_id: i64,
    now_ms: i64,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE company_profiles SET billing_contact_id = NULL, updated_at = $1 \
         WHERE customer_id = $2",
    )
    .bind(now_ms)
    .bind(customer_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes the profile of a customer that is being removed.
pub async fn delete_for_customer(conn: &mut AnyConnection, customer_id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM company_profiles WHERE customer_id = $1")
        .bind(customer_id)
        .execute(conn)
        .await?;
    Ok(())
}

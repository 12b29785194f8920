//! First start: an empty database gets its root customer and one SUPERUSER. Later starts find
//! the root and change nothing.

use canopy_shared::{CustomerName, Role, ServiceType};

use crate::auth::password;
use crate::clock::Clock;
use crate::config::Config;
use crate::customers::{model::encode_service_types, store as customers};
use crate::db::{self, Pool};
use crate::users::store as users;

/// What the first start created, to tell the operator once.
#[derive(Debug)]
pub struct FirstStart {
    pub root_name: String,
    pub admin_user: String,
    /// Set when the password was generated (and so must be shown).
    pub generated_password: Option<String>,
}

/// Creates the root customer and its SUPERUSER if the installation has no root yet.
pub async fn ensure_root(
    pool: &Pool,
    config: &Config,
    clock: &dyn Clock,
) -> anyhow::Result<Option<FirstStart>> {
    let mut tx = db::begin_write(pool).await?;
    if customers::root_exists(&mut tx).await.map_err(into_anyhow)? {
        return Ok(None);
    }
    let name =
        CustomerName::parse(&config.root_name).map_err(|e| anyhow::anyhow!("--root-name: {e}"))?;
    let admin_user = config.admin_user.trim();
    if admin_user.is_empty() {
        anyhow::bail!("--admin-user must not be empty");
    }
    let generated = config.admin_password.is_none().then(password::generate);
    let plain = config
        .admin_password
        .clone()
        .or_else(|| generated.clone())
        .unwrap_or_default();
    if plain.is_empty() {
        anyhow::bail!("--admin-password must not be empty");
    }
    let hash = password::hash(&plain)?;
    let now = clock.now_ms();
    // The installation's own company: both service types to sell on, stored in the first data
    // center until support sets the right one (changeStorageLocation).
    let root_id = customers::insert_root(
        &mut tx,
        name.as_str(),
        &name.key(),
        &encode_service_types(&ServiceType::ALL),
        "US",
        "US",
        now,
    )
    .await
    .map_err(into_anyhow)?;
    users::insert(
        &mut tx,
        root_id,
        &users::UserFields {
            username: admin_user,
            role: Role::Superuser.as_str(),
            first_name: None,
            last_name: None,
            security_officer: false,
        },
        Some(&hash),
        now,
    )
    .await
    .map_err(into_anyhow)?;
    tx.commit().await?;
    Ok(Some(FirstStart {
        root_name: name.as_str().to_owned(),
        admin_user: admin_user.to_owned(),
        generated_password: generated,
    }))
}

fn into_anyhow(err: crate::AppError) -> anyhow::Error {
    match err {
        crate::AppError::Internal(e) => e,
        other => anyhow::anyhow!("{}", other.code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    #[tokio::test]
    async fn the_first_start_creates_the_root_and_later_starts_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let pool = db::connect(&url).await.unwrap();
        let mut config = Config::for_database(&url);
        config.root_name = "  Backup Pros ".into();

        let first = ensure_root(&pool, &config, &SystemClock)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.root_name, "Backup Pros");
        let password = first
            .generated_password
            .expect("generated when not configured");
        assert!(password.len() >= 20);

        config.root_name = "Another Name".into();
        config.admin_password = Some("a different password".into());
        assert!(ensure_root(&pool, &config, &SystemClock)
            .await
            .unwrap()
            .is_none());
        let (customers, users): (i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM users)")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((customers, users), (1, 1));
        let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(
            password::verify(&hash, &password),
            "the first password stays"
        );
    }

    #[tokio::test]
    async fn a_configured_password_is_used_and_not_printed() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let pool = db::connect(&url).await.unwrap();
        let mut config = Config::for_database(&url);
        config.admin_password = Some("configured password".into());
        let first = ensure_root(&pool, &config, &SystemClock)
            .await
            .unwrap()
            .unwrap();
        assert!(first.generated_password.is_none());
    }
}

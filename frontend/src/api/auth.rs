//! Signing in and out, and setting a password from a one-time link: the calls made without a
//! session, or to end one, so a refused token never sends the user to sign in from here.

use cynic::MutationBuilder;

use super::{client::Caller, schema, Api, ApiError};

/// Signing in.
#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct SignInVars {
    pub customer_name: String,
    pub username: String,
    pub password: String,
}

#[derive(cynic::QueryFragment, Clone, Debug)]
#[cynic(graphql_type = "Session")]
struct NewSession {
    token: String,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "SignInVars")]
struct SignIn {
    #[arguments(customerName: $customer_name, username: $username, password: $password)]
    sign_in: NewSession,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation")]
struct SignOut {
    sign_out: bool,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct SetPasswordVars {
    pub token: String,
    pub password: String,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "SetPasswordVars")]
struct SetPassword {
    #[arguments(token: $token, password: $password)]
    set_password: bool,
}

impl Api {
    /// Signs in with customer name, username and password; returns the bearer token.
    pub async fn sign_in(self, vars: SignInVars) -> Result<String, ApiError> {
        let data = self.run_as(Caller::Anonymous, SignIn::build(vars)).await?;
        Ok(data.sign_in.token)
    }

    /// Revokes the session's token on the server; whether it was still valid there.
    pub async fn sign_out(self) -> Result<bool, ApiError> {
        let data = self.run_as(Caller::Leaving, SignOut::build(())).await?;
        Ok(data.sign_out)
    }

    /// Sets a password with the token of a one-time set-password link.
    pub async fn set_password(self, vars: SetPasswordVars) -> Result<bool, ApiError> {
        let data = self
            .run_as(Caller::Anonymous, SetPassword::build(vars))
            .await?;
        Ok(data.set_password)
    }
}

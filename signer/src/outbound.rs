//! Calls from the signer to Cloudinary (credential check, Provisioning API sub-account
//! listing) and to the host (forwarded notifications). Every call carries the partner
//! User-Agent and goes to the configured API base URL, so tests point it at a local double.

use std::time::Duration;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::config::{Account, Config, Provisioning};
use crate::error::ApiError;

/// The outbound HTTP client.
#[derive(Clone, Debug)]
pub struct Outbound {
    client: reqwest::Client,
    api_base: String,
    user_agent: String,
}

/// A sub-account as the Provisioning API lists it (no credentials).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteSubAccount {
    /// Cloudinary's id of the sub-account.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its cloud name.
    pub cloud_name: String,
    /// Whether it is enabled.
    #[serde(default)]
    pub enabled: bool,
}

#[derive(Deserialize)]
struct SubAccountList {
    sub_accounts: Vec<RemoteSubAccount>,
}

fn upstream(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, "upstream_error", message)
}

fn describe(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_decode() {
        "unexpected response body"
    } else {
        "request failed"
    }
}

impl Outbound {
    /// Builds the client from the configuration.
    pub fn new(cfg: &Config) -> Self {
        let identity = cloudinary_connector::Identity::new(
            &cfg.identity.platform,
            &cfg.identity.platform_version,
            cfg.identity.environment,
        )
        .expect("validated at load");
        let user_agent = identity.user_agent();
        let client = reqwest::Client::builder()
            .user_agent(user_agent.clone())
            .timeout(Duration::from_millis(cfg.server.outbound_timeout_ms))
            .connect_timeout(Duration::from_millis(
                cfg.server.outbound_timeout_ms.min(5_000),
            ))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        Outbound {
            client,
            api_base: cfg.server.cloudinary_api_base.clone(),
            user_agent,
        }
    }

    /// The User-Agent every outbound call carries.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Checks the account's API key and secret with the Admin API `ping`.
    pub async fn check_credentials(&self, account: &Account) -> Result<(), ApiError> {
        let url = format!("{}/v1_1/{}/ping", self.api_base, account.cloud_name);
        let res = self
            .client
            .get(&url)
            .basic_auth(&account.api_key, Some(account.api_secret.expose()))
            .send()
            .await
            .map_err(|e| {
                upstream(format!(
                    "cannot reach Cloudinary to check account {:?}: {}",
                    account.id,
                    describe(&e)
                ))
            })?;
        match res.status().as_u16() {
            200..=299 => Ok(()),
            401 | 403 => Err(upstream(format!(
                "Cloudinary refused the API key and secret of account {:?} (HTTP {})",
                account.id,
                res.status().as_u16()
            ))),
            404 => Err(upstream(format!(
                "Cloudinary does not know the cloud name of account {:?} (HTTP 404)",
                account.id
            ))),
            420 | 429 => Err(upstream(
                "Cloudinary's Admin API rate limit is reached; retry later".into(),
            )),
            s => Err(upstream(format!(
                "Cloudinary answered HTTP {s} to the credential check of account {:?}",
                account.id
            ))),
        }
    }

    /// Lists the sub-accounts of a Cloudinary account with the Provisioning API.
    pub async fn list_sub_accounts(
        &self,
        account_id: &str,
        p: &Provisioning,
    ) -> Result<Vec<RemoteSubAccount>, ApiError> {
        let url = format!(
            "{}/v1_1/provisioning/accounts/{}/sub_accounts",
            self.api_base, p.account_id
        );
        let res = self
            .client
            .get(&url)
            .basic_auth(&p.api_key, Some(p.api_secret.expose()))
            .send()
            .await
            .map_err(|e| {
                upstream(format!(
                    "cannot reach the Provisioning API for account {account_id:?}: {}",
                    describe(&e)
                ))
            })?;
        let status = res.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(upstream(match status {
                401 | 403 => format!("the Provisioning API refused the provisioning key of account {account_id:?} (HTTP {status})"),
                420 | 429 => "the Provisioning API rate limit is reached; retry later".into(),
                _ => format!("the Provisioning API answered HTTP {status} for account {account_id:?}"),
            }));
        }
        let list: SubAccountList = res
            .json()
            .await
            .map_err(|e| upstream(format!("the Provisioning API's answer for account {account_id:?} is not a sub-account list: {}", describe(&e))))?;
        Ok(list.sub_accounts)
    }

    /// Forwards a verified notification to the host; returns the host's HTTP status.
    pub async fn forward(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: axum::body::Bytes,
    ) -> Result<u16, ApiError> {
        let mut req = self.client.post(url).body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let res = req.send().await.map_err(|e| {
            upstream(format!(
                "cannot forward the notification to the host: {}",
                describe(&e)
            ))
        })?;
        Ok(res.status().as_u16())
    }
}

//! The external directory (an identity provider or HR system that mirrors Usher's users): told,
//! best effort, when a user is permanently deleted. Usher's own deletion never waits on it or
//! fails because of it; a failure is logged for the operator.

use serde::Serialize;
use std::time::Duration;
use uuid::Uuid;

/// What the external directory hears about a permanently deleted user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeletedUser {
    pub id: Uuid,
    pub entity_id: Uuid,
    pub email: String,
}

#[async_trait::async_trait]
pub trait ExternalDirectory: Send + Sync {
    async fn user_deleted(&self, user: &DeletedUser) -> Result<(), String>;
}

/// The default: there is no external directory.
pub struct NoExternalDirectory;

#[async_trait::async_trait]
impl ExternalDirectory for NoExternalDirectory {
    async fn user_deleted(&self, _user: &DeletedUser) -> Result<(), String> {
        Ok(())
    }
}

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<hyper::body::Bytes>,
>;

/// POSTs `{"event":"user.deleted","user":{…}}` as JSON to a URL (http or https), with a
/// bearer token when one is set, and a 10-second limit.
pub struct HttpDirectory {
    url: String,
    token: Option<String>,
    client: Client,
}

impl HttpDirectory {
    pub fn new(url: &str, token: Option<String>) -> Self {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Self {
            url: url.to_string(),
            token,
            client,
        }
    }
}

#[async_trait::async_trait]
impl ExternalDirectory for HttpDirectory {
    async fn user_deleted(&self, user: &DeletedUser) -> Result<(), String> {
        let body = serde_json::json!({ "event": "user.deleted", "user": user }).to_string();
        let mut request = http::Request::post(&self.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, "Usher");
        if let Some(token) = &self.token {
            request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request
            .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(Duration::from_secs(10), self.client.request(request))
            .await
            .map_err(|_| "the external directory did not answer within 10 s".to_string())?
            .map_err(|e| format!("the external directory could not be reached: {e}"))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "the external directory answered {}",
                response.status()
            ))
        }
    }
}

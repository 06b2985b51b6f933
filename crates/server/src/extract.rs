//! What the handlers receive, read and checked before they run: a JSON body within the byte
//! limit, and the enrolled device that signed the request. A request is checked in this
//! order, each failure answered with its `ApiError`: its body arrives whole, its signature
//! verifies (over that body), then the body reads as JSON.

use crate::api_error::ApiError;
use crate::devices::{self, SignedRequest};
use crate::{now_ms, AppState};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, Method, StatusCode, Uri};
use daicho_core::api::ApiCode;
use daicho_core::sync_limits::MAX_BODY_BYTES;
use serde::de::DeserializeOwned;

/// An unsigned request's body, read as JSON of type `T` (an enrollment).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let headers = request.headers().clone();
        let body = received(request, state).await?;
        read_json(&headers, &body).map(JsonBody)
    }
}

/// A signed request's body, read as JSON of type `T` (a push), and the device that signed it.
pub struct SignedJson<T> {
    pub device: String,
    pub body: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for SignedJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let method = request.method().clone();
        let path = signed_path(request.extensions(), request.uri()).to_string();
        let headers = request.headers().clone();
        let body = received(request, state).await?;
        let device = authenticate(state, &method, &path, &headers, &body).await?;
        let body = read_json(&headers, &body)?;
        Ok(SignedJson { device, body })
    }
}

/// The device that signed a request without a body (a pull, a proof), signed over the empty
/// body: what such a request may carry is never read.
pub struct SignedDevice {
    pub device: String,
}

impl FromRequestParts<AppState> for SignedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let path = signed_path(&parts.extensions, &parts.uri);
        let device = authenticate(state, &parts.method, path, &parts.headers, b"").await?;
        Ok(SignedDevice { device })
    }
}

/// The path and query the device signed: the request's as it arrived, before any routing
/// rewrote it (the query as sent, undecoded: RFC 9421's `@query`).
fn signed_path<'a>(extensions: &'a Extensions, uri: &'a Uri) -> &'a str {
    let uri = extensions
        .get::<OriginalUri>()
        .map_or(uri, |original| &original.0);
    uri.path_and_query()
        .map_or(uri.path(), |target| target.as_str())
}

/// The enrolled, unrevoked device whose signature headers cover this request and `body`.
async fn authenticate(
    state: &AppState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let request = SignedRequest {
        device: header("daicho-device"),
        timestamp: header("daicho-timestamp"),
        digest: header("content-digest"),
        signature: header("daicho-signature"),
        method: method.as_str(),
        path,
        body,
    };
    Ok(devices::verify(&state.pool, &request, now_ms()).await?)
}

/// The body as it arrived, up to `MAX_BODY_BYTES` (the router's limit: a longer body is
/// never read whole), or the refusal: too large, or cut off on the way.
async fn received<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                let mib = MAX_BODY_BYTES / (1024 * 1024);
                ApiError::new(
                    ApiCode::BodyTooLarge,
                    format!("一度に送れる量は{mib}MiBまでです。"),
                    format!("A request body carries at most {mib} MiB."),
                )
            }
            _ => ApiError::new(
                ApiCode::MalformedJson,
                "送信された内容を最後まで受け取れませんでした。",
                format!("The body could not be read: {}", rejection.body_text()),
            ),
        })
}

/// The body as JSON of type `T`, or the refusal: the same for every request with a body.
fn read_json<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::new(
            ApiCode::WrongContentType,
            "送信の形式が違います（application/json）。",
            "The body must be application/json.",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ApiCode::MalformedJson,
            format!("送信された内容が読めません: {e}"),
            format!("The body cannot be read: {e}"),
        )
    })
}

//! What the handlers receive, read and checked before they run: a JSON body within the byte
//! limit and the time limit, the enrolled device that signed the request, and for an
//! enrollment, that its client address may try now. A request is checked in this order, each
//! failure answered with its `ApiError`: its body arrives whole, its signature verifies (over
//! that body), then the body reads as JSON.

use crate::api_error::ApiError;
use crate::devices::{self, SignedRequest};
use crate::{now_ms, AppState};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{header, Extensions, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use daicho_core::api::ApiCode;
use daicho_core::sync_limits::MAX_BODY_BYTES;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// An unsigned request's body, read as JSON of type `T` (an enrollment).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
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

/// The device that signed a request that may also come unsigned (the health answer): `None`
/// when it carries none of the signature headers; a signature that is there must verify.
pub struct OptionalDevice(pub Option<String>);

impl FromRequestParts<AppState> for OptionalDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let signed = [
            "daicho-device",
            "daicho-timestamp",
            "content-digest",
            "daicho-signature",
        ]
        .iter()
        .any(|name| parts.headers.contains_key(*name));
        if !signed {
            return Ok(OptionalDevice(None));
        }
        let SignedDevice { device } = SignedDevice::from_request_parts(parts, state).await?;
        Ok(OptionalDevice(Some(device)))
    }
}

/// An enrollment attempt its client address may make now (counted before the body or the
/// code is read), or `429 too_many_attempts` with `Retry-After`.
pub struct EnrollAttempt;

impl FromRequestParts<AppState> for EnrollAttempt {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // Served without `connections` (a test calling the router): one shared count.
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let Err(wait) = state.enroll_limiter.attempt(client) else {
            return Ok(EnrollAttempt);
        };
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let refusal = ApiError::new(
            ApiCode::TooManyAttempts,
            format!("登録の試行が多すぎます。{seconds}秒後にもう一度試してください。"),
            format!("Too many enrollment attempts; try again in {seconds} s."),
        );
        Err(([(header::RETRY_AFTER, seconds.to_string())], refusal).into_response())
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
/// never read whole) and within the body timeout, or the refusal: too large, too slow, or cut
/// off on the way.
async fn received(request: Request, state: &AppState) -> Result<Bytes, ApiError> {
    let read = Bytes::from_request(request, state);
    let Ok(read) = tokio::time::timeout(state.body_timeout, read).await else {
        let seconds = state.body_timeout.as_secs();
        return Err(ApiError::new(
            ApiCode::RequestTimeout,
            format!("送信が{seconds}秒以内に届きませんでした。"),
            format!("The body did not arrive within {seconds} s."),
        ));
    };
    read.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
        _ => ApiError::new(
            ApiCode::MalformedJson,
            "送信された内容を最後まで受け取れませんでした。",
            format!("The body could not be read: {}", rejection.body_text()),
        ),
    })
}

/// The refusal of a body over `MAX_BODY_BYTES`, read or declared.
pub(crate) fn body_too_large() -> ApiError {
    let mib = MAX_BODY_BYTES / (1024 * 1024);
    ApiError::new(
        ApiCode::BodyTooLarge,
        format!("一度に送れる量は{mib}MiBまでです。"),
        format!("A request body carries at most {mib} MiB."),
    )
}

/// The body as JSON of type `T`, or the refusal: the same for every request with a body.
fn read_json<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    if !is_json(headers) {
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

/// Whether the media type is `application/json`, in any case, with parameters (parsed by the
/// `mime` crate): `application/jsonp`, `application/json-seq` or `text/json` are not, and JSON
/// is UTF-8, so a `charset` is `utf-8` or absent.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(media_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
    else {
        return false;
    };
    media_type.type_() == mime::APPLICATION
        && media_type.subtype() == mime::JSON
        && media_type.suffix().is_none()
        && media_type
            .get_param(mime::CHARSET)
            .is_none_or(|charset| charset == mime::UTF_8)
}

#[cfg(test)]
mod tests {
    use super::is_json;
    use axum::http::{header, HeaderMap, HeaderValue};

    fn typed(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn only_application_json_is_json() {
        for yes in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "APPLICATION/JSON;CHARSET=UTF-8",
        ] {
            assert!(is_json(&typed(yes)), "{yes}");
        }
        for no in [
            "application/jsonp",
            "application/json-seq",
            "text/json",
            "application/ld+json",
            "application/json; charset=latin1",
            "application/json garbage",
            "",
        ] {
            assert!(!is_json(&typed(no)), "{no}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }
}

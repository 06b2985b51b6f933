//! The OpenAPI document the server serves is held to the code: every route of the router is
//! under `paths` with its methods (and nothing else is), and every refusal code the server can
//! answer — a refusal's code is an `ApiCode` — is in the `Refusal` enum (and nothing else is).

mod common;

use common::start;
use daicho_core::api::ApiCode;
use serde_json::Value;
use std::collections::BTreeSet;

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[tokio::test]
async fn the_document_lists_every_route_and_every_refusal_code() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let response = reqwest::get(format!("{}/api/openapi.json", server.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));

    let routed: BTreeSet<(String, String)> = daicho_server::api_routes()
        .into_iter()
        .map(|(path, method)| (path.to_string(), method.as_str().to_lowercase()))
        .collect();
    assert_eq!(documented_routes(&doc), routed, "paths and methods");

    let enumerated: BTreeSet<String> = doc["components"]["schemas"]["Refusal"]["properties"]
        ["code"]["enum"]
        .as_array()
        .expect("the Refusal code enum")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(enumerated, refusal_codes(), "refusal codes");
    server.shut_down().await;
}

/// The router answers exactly the documented methods on each documented path (405 for others).
#[tokio::test]
async fn every_documented_route_is_served() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let client = reqwest::Client::new();
    for (path, method) in daicho_server::api_routes() {
        let url = format!("{}{path}", server.base);
        let status = client.request(method.clone(), &url).send().await.unwrap();
        assert!(
            ![404, 405].contains(&status.status().as_u16()),
            "{method} {path}: {}",
            status.status()
        );
        let other = client.delete(&url).send().await.unwrap();
        assert_eq!(other.status(), 405, "DELETE {path}");
    }
    server.shut_down().await;
}

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item");
            item.keys()
                .filter(|k| HTTP_METHODS.contains(&k.as_str()))
                .map(|method| (path.clone(), method.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every code a refusal body can carry.
fn refusal_codes() -> BTreeSet<String> {
    ApiCode::all().map(|c| c.as_str().to_string()).collect()
}

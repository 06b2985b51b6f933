//! Serving the built PWA: hashed build files are cached for good; the files that name them
//! (index.html, sw.js, the manifest) are revalidated on every load so a new build is seen.
//! Each file goes out as the `.br` or `.gz` the build wrote beside it (`tools/setup.sh`
//! `precompress`) when the browser accepts that encoding, else as it is.

use axum::http::{header, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

pub fn router(dist: &Path) -> Router {
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    // Unknown paths are routes of the app: answer with the shell, the app routes itself.
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_control))
}

async fn cache_control(request: Request<axum::body::Body>, next: Next) -> Response {
    let immutable = is_hashed_build_file(request.uri().path());
    let mut response = next.run(request).await;
    let value = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    // One URL, several encodings: a cache must keep them apart.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Trunk names build files `name-<hash>[_bg].ext`, the hash a 64-bit number in hex without
/// leading zeros (so usually 16 digits, sometimes fewer): their content never changes. Fewer
/// than 12 digits is taken for a plain name (`icon-192`), a chance of 1 in 65,536 for a hash.
fn is_hashed_build_file(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed_build_file;

    #[test]
    fn only_trunk_hashed_names_are_immutable() {
        assert!(is_hashed_build_file("/daicho-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_build_file("/daicho-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed_build_file("/style-0123456789abcdef.css"));
        // A hash with a leading zero is written one digit shorter.
        assert!(is_hashed_build_file("/daicho-b061b425ad2cf8e_bg.wasm"));
        assert!(!is_hashed_build_file("/sw.js"));
        assert!(!is_hashed_build_file("/index.html"));
        assert!(!is_hashed_build_file("/icons/icon-192.png"));
        assert!(!is_hashed_build_file("/entry-log"));
    }
}

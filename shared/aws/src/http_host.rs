//! Hosts an HTTP router in Lambda: each request gets the router over the container's current
//! engine (configuration read at first use, refreshed after a TTL). Until a configuration was
//! ever read, requests get a JSON 503 naming the problem, and the function stays up.

use crate::wiring::Deps;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cartback_core::engine::Engine;
use cartback_http::ApiError;
use std::sync::Arc;
use tower::ServiceExt;

pub async fn run(deps: Deps, router: fn(Arc<Engine>) -> Router) -> Result<(), lambda_http::Error> {
    let deps = Arc::new(deps);
    lambda_http::run(tower::service_fn(move |req: lambda_http::Request| {
        let deps = deps.clone();
        async move {
            let resp = match deps.engine().await {
                Ok(engine) => router(engine).oneshot(req).await?,
                Err(e) => {
                    tracing::error!(error = %e, "no configuration");
                    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "configuration_unavailable", e).into_response()
                }
            };
            Ok::<_, lambda_http::Error>(resp)
        }
    }))
    .await
}

//! Hosts an HTTP router in Lambda. The router is built once per engine (configuration read at
//! first use, refreshed after a TTL) and kept between requests, so per-instance state such as
//! the collect route's rate limiter lives as long as the container's configuration. Until a
//! configuration was ever read, requests get a JSON 503 naming the problem, and the function
//! stays up.

use crate::wiring::EngineSource;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cartback_core::app::Engine;
use cartback_http::ApiError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tower::ServiceExt;

pub struct HttpHost<S> {
    source: S,
    router: fn(Arc<Engine>) -> Router,
    current: tokio::sync::Mutex<Option<(Arc<Engine>, Router)>>,
}

impl<S: EngineSource> HttpHost<S> {
    pub fn new(source: S, router: fn(Arc<Engine>) -> Router) -> HttpHost<S> {
        HttpHost { source, router, current: tokio::sync::Mutex::new(None) }
    }

    /// The router over the current engine: the same one while the engine is the same.
    async fn router(&self) -> Result<(Arc<Engine>, Router), String> {
        let engine = self.source.engine().await?;
        let mut g = self.current.lock().await;
        match g.as_ref() {
            Some((e, r)) if Arc::ptr_eq(e, &engine) => Ok((engine, r.clone())),
            _ => {
                let r = (self.router)(engine.clone());
                *g = Some((engine.clone(), r.clone()));
                Ok((engine, r))
            }
        }
    }

    /// One request, answered.
    pub async fn handle(&self, mut req: lambda_http::Request) -> Response {
        if let Some(addr) = source_address(&req) {
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        match self.router().await {
            Ok((engine, router)) => {
                let resp = match router.oneshot(req).await {
                    Ok(resp) => resp,
                    Err(never) => match never {},
                };
                // The request's statistics, in one write (engine/stats_buffer.rs).
                engine.flush_stats().await;
                resp
            }
            Err(e) => {
                tracing::error!(error = %e, "no configuration");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "configuration_unavailable", e).into_response()
            }
        }
    }
}

/// The caller's address as API Gateway saw it (`requestContext.http.sourceIp`), which the
/// client cannot forge, unlike the `X-Forwarded-For` entries it sends. The routes read it as a
/// connection's peer address, as in local mode.
fn source_address(req: &lambda_http::Request) -> Option<SocketAddr> {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    let RequestContext::ApiGatewayV2(ctx) = req.request_context_ref()? else { return None };
    let ip: IpAddr = ctx.http.source_ip.as_deref()?.parse().ok()?;
    Some(SocketAddr::new(ip, 0))
}

pub async fn run<S: EngineSource + 'static>(host: HttpHost<S>) -> Result<(), lambda_http::Error> {
    let host = Arc::new(host);
    lambda_http::run(tower::service_fn(move |req: lambda_http::Request| {
        let host = host.clone();
        async move { Ok::<_, lambda_http::Error>(host.handle(req).await) }
    }))
    .await
}

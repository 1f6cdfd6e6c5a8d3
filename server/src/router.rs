use crate::guards::{bounded_bodies, known_host, page_access, AllowedHosts, SignedInPages};
use crate::middleware::{
    request_context, same_origin_writes, security_headers, AllowedOrigins, CspNonce,
};
use crate::workers;
use app::backend::config::Config;
use app::backend::{AppState, Db};
use app::{shell, App};
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;

pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME", "usher"))
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .build()
}

async fn health(State(db): State<Db>) -> (StatusCode, &'static str) {
    if db.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

pub fn build(state: AppState, options: LeptosOptions) -> Router {
    let routes = generate_route_list(App);
    let signed_in_pages = SignedInPages(Arc::new(
        routes
            .iter()
            .map(|route| route.path().to_string())
            .filter(|path| !app::ui::SIGNED_OUT_PAGES.contains(&path.as_str()))
            .collect(),
    ));
    let context_state = state.clone();
    let origins = AllowedOrigins(Arc::new(vec![state.config.public_url.clone()]));
    let hosts = Arc::new(AllowedHosts::for_public_url(&state.config.public_url));
    let health_routes = Router::new()
        .route("/healthz", get(health))
        .with_state(state.db.clone());
    let export_routes = Router::new()
        .route("/export/users.csv", get(crate::export::users_csv))
        .with_state(state.clone());
    Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                provide_context(context_state.clone());
                // Render with the nonce the middleware will put in the CSP header.
                let nonce = use_context::<http::request::Parts>()
                    .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
                if let Some(CspNonce(nonce)) = nonce {
                    provide_context(leptos::nonce::Nonce::from_value(nonce));
                }
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(health_routes)
        .merge(export_routes)
        .layer(from_fn_with_state(
            (state.clone(), signed_in_pages),
            page_access,
        ))
        .layer(from_fn_with_state(origins, same_origin_writes))
        .layer(from_fn_with_state(
            state.config.secure_cookies,
            security_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(from_fn(bounded_bodies))
        .layer(from_fn_with_state(hosts, known_host))
        .layer(from_fn(request_context))
}

pub async fn serve(db: Db, config: Config, addr: SocketAddr) -> Result<(), String> {
    let state = AppState::try_new(db, config)?;
    let app = build(state.clone(), leptos_options(addr));
    workers::spawn(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("LEPTOS_SITE_ADDR: cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| format!("server stopped: {e}"))
}

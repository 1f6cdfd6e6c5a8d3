use crate::guards::{bounded_bodies, known_host, page_access, AllowedHosts, SignedInPages};
use crate::middleware::{
    request_context, same_origin_writes, security_headers, AllowedOrigins, CspNonce,
};
use crate::workers;
use app::backend::config::Config;
use app::backend::{AppState, Db};
use app::{shell, App};
use axum::extract::Request;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME", "usher"))
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        // A build with hashed file names says so beside the server.
        .hash_files(app::ui::assets::hash_file("hash.txt").is_some_and(|f| f.exists()))
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
    let page_context = move || {
        provide_context(context_state.clone());
        // Render with the nonce the middleware will put in the CSP header.
        let nonce = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
        if let Some(CspNonce(nonce)) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(nonce));
        }
    };
    let render: Arc<std::sync::Mutex<crate::forms::Render>> =
        Arc::new(std::sync::Mutex::new(Box::new(
            leptos_axum::render_app_async_with_context(page_context.clone(), {
                let options = options.clone();
                move || shell(options.clone())
            }),
        )));
    let mut form_routes = Router::new();
    for page in app::ui::form_post::FORM_PAGES {
        let render = render.clone();
        form_routes = form_routes.route(
            page,
            post(move |request: Request| async move {
                crate::forms::post_to_page(render.as_ref(), request).await
            }),
        );
    }
    let origins = AllowedOrigins(Arc::new(vec![state.config.public_url.clone()]));
    let hosts = Arc::new(AllowedHosts::for_public_url(&state.config.public_url));
    let health_routes = Router::new()
        .route("/healthz", get(health))
        .with_state(state.db.clone());
    let export_routes = Router::new()
        .route("/export/users.csv", get(crate::export::users_csv))
        .route("/export/audit.csv", get(crate::export::audit_csv))
        .route("/events", get(crate::live::events))
        .with_state(state.clone());
    let assets = assets(&options);
    Router::new()
        .leptos_routes_with_context(&options, routes, page_context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(form_routes)
        .merge(assets)
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

/// The built bundle under `/pkg`: the brotli or gzip copy made at build time when there is one
/// (`cargo leptos build --release --precompress`), so nothing is compressed per request. A file
/// whose name carries the hash of its content never changes, so browsers keep it for a year;
/// the split build rewrites some files after naming them, so each name is checked against the
/// content here, and a file that does not match is revalidated instead.
fn assets(options: &LeptosOptions) -> Router {
    let pkg = format!("/{}", options.site_pkg_dir);
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let immutable = Arc::new(crate::assets::named_by_content(&dir));
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new().nest_service(&pkg, files).layer(from_fn(
        move |request: Request, next: axum::middleware::Next| {
            let immutable = immutable.clone();
            async move {
                let name = request
                    .uri()
                    .path()
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                let mut response = next.run(request).await;
                if response.status().is_success() {
                    let cache = if immutable.contains(&name) {
                        "public, max-age=31536000, immutable"
                    } else {
                        "no-cache"
                    };
                    response.headers_mut().insert(
                        header::CACHE_CONTROL,
                        header::HeaderValue::from_static(cache),
                    );
                }
                response
            }
        },
    ))
}

/// Ctrl-C, or SIGTERM (what service managers and container runtimes send).
async fn stop_asked() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub async fn serve(db: Db, config: Config, addr: SocketAddr) -> Result<(), String> {
    let state = AppState::try_new(db, config)?;
    let app = build(state.clone(), leptos_options(addr));
    workers::spawn(state.clone());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("LEPTOS_SITE_ADDR: cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        stop_asked().await;
        tracing::info!("shutting down: ending event streams, finishing requests");
        // Event streams never end by themselves: told to, they end now, so the server stops
        // as soon as the requests in flight are answered.
        state.events.close();
    })
    .await
    .map_err(|e| format!("server stopped: {e}"))
}

//! `regkb serve [--addr 127.0.0.1:8080] [--public-search]`: the compliance
//! service over HTTP (see `crate::http`).

use std::net::SocketAddr;
use std::process::ExitCode;

use super::Context;
use crate::http::{AppState, Limits, ServiceConfig};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Let search, provisions and cite-check answer without a token
    #[arg(long)]
    pub public_search: bool,
    /// Largest request body, in bytes
    #[arg(long, default_value_t = crate::http::DEFAULT_BODY_LIMIT)]
    pub max_body: usize,
    /// Seconds before a request is abandoned
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Requests handled at once (more wait)
    #[arg(long, default_value_t = 512)]
    pub concurrency: usize,
}

pub fn run(args: ServeArgs, ctx: &Context) -> miette::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REGKB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let state = AppState::load(
        ctx,
        ServiceConfig {
            public_search: args.public_search,
        },
    )?;
    if !state
        .store()
        .has_admin()
        .map_err(|e| miette::miette!("{e}"))?
    {
        eprintln!(
            "提示：还没有管理员令牌。请先停止服务，运行 `regkb token create --role admin --label 管理员` 创建第一个管理员令牌（令牌只显示一次，请妥善保存），再启动服务；此后其他令牌可在服务运行时由管理员通过 `POST /api/v1/tokens` 创建，也可在服务停止时用 `regkb token create --role viewer|inspector|author [--region 县或乡镇]` 创建。"
        );
    }
    let limits = Limits {
        body_bytes: args.max_body,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        concurrency: args.concurrency.max(1),
    };
    crate::http::serve(state, args.addr, limits).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "该地址已被占用（也许服务已在运行）".to_owned(),
            std::io::ErrorKind::AddrNotAvailable => "本机没有这个地址".to_owned(),
            std::io::ErrorKind::PermissionDenied => "没有权限使用该端口".to_owned(),
            _ => e.to_string(),
        };
        miette::miette!("无法在 `{}` 上启动服务：{why}", args.addr)
    })?;
    Ok(ExitCode::SUCCESS)
}

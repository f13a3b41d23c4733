//! `regkb token create|list|revoke`: API tokens for the HTTP service. A new
//! token is printed once; the store keeps only its hash.

use std::process::ExitCode;

use clap::Subcommand;

use super::Context;
use crate::store::{Actor, RegionScope, Role};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (only this once)
    Create {
        /// viewer, inspector, author or admin
        #[arg(long)]
        role: Role,
        /// Limit the token to a region: 浙江省/嘉兴市/海宁市 or county=海宁市[,township=袁花镇]
        #[arg(long)]
        region: Option<RegionScope>,
        /// Who holds the token (a department or system); recorded with its writes
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List tokens (ids, roles, regions, labels — never the tokens)
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id (as `token list` shows it)
    Revoke { id: String },
}

pub fn run(cmd: TokenCommand, ctx: &Context) -> miette::Result<ExitCode> {
    let store = super::open_store(
        ctx,
        "服务运行时请用管理员令牌调用管理接口 `POST /api/v1/tokens`（列出：`GET /api/v1/tokens`，吊销：`DELETE /api/v1/tokens/{id}`），或先停止服务再运行本命令",
    )?;
    match cmd {
        TokenCommand::Create {
            role,
            region,
            label,
        } => {
            let (token, info) = store
                .create_token(role, region, &label, &Actor::cli("token create"))
                .map_err(|e| miette::miette!("{e}"))?;
            println!("{token}");
            eprintln!(
                "已创建令牌 {}（角色 {}{}）。令牌只显示这一次，请妥善保存；请求时写在请求头 `Authorization: Bearer <令牌>` 中。",
                info.id,
                info.role,
                info.region
                    .as_ref()
                    .map(|r| format!("，范围 {r}"))
                    .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List { json } => {
            let tokens = store.list_tokens().map_err(|e| miette::miette!("{e}"))?;
            if json {
                let text =
                    serde_json::to_string_pretty(&tokens).map_err(|e| miette::miette!("{e}"))?;
                println!("{text}");
            } else {
                for t in &tokens {
                    println!(
                        "{}  {:<9}  {}  {}  {}",
                        t.id,
                        t.role,
                        t.region
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_else(|| "全部地区".to_string()),
                        t.label,
                        t.created_at
                    );
                }
                println!("共 {} 个令牌", tokens.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { id } => {
            let info = store
                .revoke_token(&id, &Actor::cli("token revoke"))
                .map_err(|e| miette::miette!("{e}"))?;
            println!(
                "已吊销令牌 {}（角色 {}，{}）",
                info.id, info.role, info.label
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

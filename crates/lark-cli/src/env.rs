//! The app's configuration from the environment, which every command that calls the platform
//! reads.

use lark_core::{Config, Domain};

use crate::Failure;

/// The app's configuration from the environment: `LARK_APP_ID`, `LARK_APP_SECRET`, where the
/// platform is (`LARK_DOMAIN` = `feishu` or `lark`, or any `LARK_BASE_URL`, and
/// `LARK_WWW_BASE_URL` for the approval endpoints of the `www` host), and the helpdesk
/// credentials of the helpdesk endpoints (`LARK_HELPDESK_ID`, `LARK_HELPDESK_TOKEN`).
pub(crate) fn config_from_env() -> Result<Config, Failure> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let app_id = var("LARK_APP_ID").ok_or_else(|| Failure::usage("error: set LARK_APP_ID"))?;
    let app_secret =
        var("LARK_APP_SECRET").ok_or_else(|| Failure::usage("error: set LARK_APP_SECRET"))?;
    let mut config = Config::new(app_id, app_secret);
    config = match (var("LARK_BASE_URL"), var("LARK_DOMAIN")) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage(
                "error: set LARK_BASE_URL or LARK_DOMAIN, not both",
            ));
        }
        // The platform's own hosts keep their `www` host for the approval endpoints.
        (Some(base), None) => match base.trim_end_matches('/') {
            "https://open.feishu.cn" => config.domain(Domain::Feishu),
            "https://open.larksuite.com" => config.domain(Domain::Lark),
            _ => config.base_url(base),
        },
        (None, Some(domain)) => config.domain(match domain.to_ascii_lowercase().as_str() {
            "feishu" => Domain::Feishu,
            "lark" => Domain::Lark,
            _ => {
                return Err(Failure::usage(format!(
                    "error: LARK_DOMAIN is `feishu` or `lark`, not `{domain}` (any other host goes in LARK_BASE_URL)"
                )));
            }
        }),
        (None, None) => config,
    };
    if let Some(www) = var("LARK_WWW_BASE_URL") {
        config = config.www_base_url(www);
    }
    match (var("LARK_HELPDESK_ID"), var("LARK_HELPDESK_TOKEN")) {
        (Some(id), Some(token)) => config = config.helpdesk(id, token),
        (None, None) => {}
        (Some(_), None) => return Err(Failure::usage("error: set LARK_HELPDESK_TOKEN too")),
        (None, Some(_)) => return Err(Failure::usage("error: set LARK_HELPDESK_ID too")),
    }
    Ok(config)
}

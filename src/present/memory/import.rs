//! What the Memory view says about a model brought in as a `config.json`, typed in or fetched from
//! the Hugging Face Hub: the summary of an import, the Hub address of a model id, and the message
//! for each way a fetch fails.

use crate::memory::config::{Imported, MAX_CONFIG_BYTES};
use crate::memory::units::group_thousands;

/// What an import read, as sentences: the model in one line, the keys used, the keys left alone,
/// and each assumption.
pub fn import_lines(imported: &Imported) -> Vec<String> {
    let a = &imported.architecture;
    let mut parts = vec![format!(
        "{} layers, hidden size {}, {} heads",
        a.layers(),
        a.hidden(),
        a.heads()
    )];
    if let Some(l) = a.latent() {
        parts.push(format!(
            "latent attention (key/value latent {}, rope key {})",
            l.kv_rank, l.rope_dim
        ));
    } else if a.kv_heads() < a.heads() {
        parts.push(format!("{} key/value heads", a.kv_heads()));
    }
    if let Some(m) = a.moe() {
        parts.push(format!(
            "{} experts, {} per token{}",
            m.experts,
            m.active,
            if m.shared_ffn > 0 {
                ", a shared expert"
            } else {
                ""
            }
        ));
    }
    if let Some(w) = a.window() {
        parts.push(format!(
            "a {}-token window on {} of {} layers",
            group_thousands(u128::from(w.tokens)),
            a.layers() - w.global_layers,
            a.layers()
        ));
    }
    let mut out = vec![format!(
        "Read as {}: {}; {} parameters.",
        imported.family,
        parts.join(", "),
        group_thousands(a.param_count())
    )];
    out.push(format!("Used: {}.", imported.used.join(", ")));
    if !imported.ignored.is_empty() {
        out.push(format!(
            "Left alone (they do not change memory): {}.",
            imported.ignored.join(", ")
        ));
    }
    out.extend(imported.notes.iter().cloned());
    out
}

/// The address of a model's `config.json` on the Hub, for an id such as
/// `mistralai/Mixtral-8x7B-v0.1`, or why the id cannot be one. Only letters, digits, `-`, `_` and
/// `.` pass, in one or two parts, so nothing typed can reach another path or host.
pub fn hub_config_url(id: &str) -> Result<String, String> {
    let id = id.trim();
    let id = id
        .strip_prefix("https://huggingface.co/")
        .unwrap_or(id)
        .trim_end_matches('/');
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 96
            && !p.starts_with(['.', '-'])
            && !p.contains("..")
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let parts: Vec<&str> = id.split('/').collect();
    if parts.is_empty() || parts.len() > 2 || !parts.iter().all(|p| part_ok(p)) {
        let shown: String = id.chars().take(60).collect();
        return Err(format!(
            "\"{shown}\" is not a model id. Type one as the Hub writes it, such as \
             mistralai/Mixtral-8x7B-v0.1."
        ));
    }
    Ok(format!(
        "https://huggingface.co/{}/resolve/main/config.json",
        parts.join("/")
    ))
}

/// The message for a Hub answer that is not the file.
pub fn hub_status_message(id: &str, status: u16) -> String {
    let id: String = id.trim().chars().take(60).collect();
    match status {
        401 | 403 => format!(
            "{id} is gated or private: the Hub wants a signed-in account that accepted its \
             license. Open its page on huggingface.co, then paste its config.json here."
        ),
        404 => format!("The Hub has no config.json for {id}: check the spelling of the id."),
        429 => "The Hub is limiting requests; try again in a minute.".to_string(),
        _ => format!("The Hub answered {status} for {id}; try again, or paste its config.json."),
    }
}

/// The message when the Hub cannot be reached at all.
pub fn hub_unreachable_message() -> String {
    "Could not reach huggingface.co (offline, or blocked by the network): paste the model's \
     config.json instead."
        .to_string()
}

/// The message for a file too large to be a config.
pub fn too_large_message(bytes: u64) -> String {
    format!(
        "This file is {} bytes; a config.json is a few thousand (the limit is {}). Is it the \
         weights rather than the config?",
        group_thousands(u128::from(bytes)),
        group_thousands(MAX_CONFIG_BYTES as u128)
    )
}

//! Sizes and durations as users write them in settings and job arguments.

use anyhow::{Context, Result, bail};

/// A duration in ms: `250ms`, `5s`, `2m`, `1h`, or a plain number of ms.
///
/// # Errors
/// When the text is not such a duration.
pub fn parse_duration(text: &str) -> Result<i64> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = digits
        .parse()
        .with_context(|| format!("{text:?} is not a duration (e.g. 500ms, 5s, 1m)"))?;
    let scale = match unit {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => bail!("{text:?}: unknown unit {unit:?} (ms, s, m, h)"),
    };
    Ok(n * scale)
}

/// Parses sizes like `512MB`, `2GiB`, `64k`, `1000`.
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .with_context(|| format!("not a size: {text:?}"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => bail!("unknown size unit {other:?} in {text:?} (use B, KB, MB, GB or TB)"),
    };
    Ok((number * factor as f64) as u64)
}

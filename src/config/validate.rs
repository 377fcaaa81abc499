//! Checks that serde cannot express: ranges, duplicates, lengths. Each problem names the key path
//! it is about so the loader can point at its line.

use std::collections::HashMap;

use super::schema::Config;

/// The longest label shown in full; longer ones would push the table's figures off screen.
pub const MAX_LABEL_CHARS: usize = 32;

/// One thing wrong with a config, at a key path such as `wallets[2].label`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

fn problem(key: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        key: key.into(),
        message: message.into(),
    }
}

/// Every problem of a parsed config, in document order of the checks.
pub fn validate(config: &Config) -> Vec<Problem> {
    let mut problems = Vec::new();

    for (key, value) in [
        ("refresh_secs", config.refresh_secs),
        ("market_refresh_secs", config.market_refresh_secs),
        ("history_days", config.history_days),
        ("chain.timeout_secs", config.chain.timeout_secs),
        ("chain.multicall_chunk", config.chain.multicall_chunk),
        ("chain.logs_chunk_blocks", config.chain.logs_chunk_blocks),
        ("chain.scan_days", config.chain.scan_days),
        (
            "chain.eth_usd_heartbeat_secs",
            config.chain.eth_usd_heartbeat_secs,
        ),
        ("chain.max_response_mib", config.chain.max_response_mib),
        (
            "chain.logs_max_range_blocks",
            config.chain.logs_max_range_blocks,
        ),
        ("chain.logs_in_flight", config.chain.logs_in_flight),
        (
            "chain.logs_requests_per_second",
            config.chain.logs_requests_per_second,
        ),
        ("market.max_response_mib", config.market.max_response_mib),
        ("thresholds.dormant_days", config.thresholds.dormant_days),
        ("holders.top", config.holders.top),
    ] {
        if value == 0 {
            problems.push(problem(key, "must be a positive number, not 0"));
        }
    }

    // Sane upper bounds: past them a value is a typo, and some would overflow the time or
    // size arithmetic they feed (a retention of 10^18 days).
    for (key, value, max) in [
        ("refresh_secs", config.refresh_secs, 86_400),
        (
            "market_refresh_secs",
            config.market_refresh_secs,
            7 * 86_400,
        ),
        ("history_days", config.history_days, 36_500),
        ("chain.timeout_secs", config.chain.timeout_secs, 600),
        ("chain.scan_days", config.chain.scan_days, 36_500),
        (
            "chain.logs_max_range_blocks",
            config.chain.logs_max_range_blocks,
            10_000_000,
        ),
        ("chain.logs_in_flight", config.chain.logs_in_flight, 64),
        ("holders.top", config.holders.top, 1_000),
        (
            "chain.logs_requests_per_second",
            config.chain.logs_requests_per_second,
            1_000,
        ),
        (
            "chain.max_response_mib",
            config.chain.max_response_mib,
            4_096,
        ),
        (
            "market.max_response_mib",
            config.market.max_response_mib,
            4_096,
        ),
        (
            "thresholds.dormant_days",
            config.thresholds.dormant_days,
            36_500,
        ),
    ] {
        if value > max {
            problems.push(problem(key, format!("must be at most {max}, not {value}")));
        }
    }

    let t = &config.thresholds;
    for (key, value) in [
        ("alert_price_move_pct", config.alert_price_move_pct),
        ("thresholds.max_price_impact_pct", t.max_price_impact_pct),
        ("thresholds.max_drawdown_pct", t.max_drawdown_pct),
        (
            "thresholds.max_price_divergence_pct",
            t.max_price_divergence_pct,
        ),
        ("thresholds.max_top10_share_pct", t.max_top10_share_pct),
        ("thresholds.holder_moved_pct", t.holder_moved_pct),
    ] {
        if !(0.0..=100.0).contains(&value) {
            problems.push(problem(
                key,
                format!("is a percentage: {value} is outside 0-100"),
            ));
        }
    }
    for (key, value) in [
        ("thresholds.min_liquidity_usd", t.min_liquidity_usd),
        ("thresholds.min_volume_24h_usd", t.min_volume_24h_usd),
        ("thresholds.min_market_cap_usd", t.min_market_cap_usd),
    ] {
        if !value.is_finite() || value < 0.0 {
            problems.push(problem(
                key,
                format!("must be a non-negative amount, not {value}"),
            ));
        }
    }

    if config.chain.rpc_urls.is_empty() {
        problems.push(problem("chain.rpc_urls", "needs at least one RPC URL"));
    }
    if config.token.expected_decimals > 77 {
        problems.push(problem(
            "token.expected_decimals",
            "must be at most 77 (10^78 overflows 256 bits)",
        ));
    }
    for (key, url) in [
        ("market.coingecko_url", &config.market.coingecko_url),
        ("market.coinpaprika_url", &config.market.coinpaprika_url),
        ("market.dexscreener_url", &config.market.dexscreener_url),
    ] {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            problems.push(problem(key, "must be an http:// or https:// URL"));
        }
    }
    // The CoinGecko key travels in a header: over plain http anyone on the way reads it.
    let cg = &config.market.coingecko_url;
    if !config.market.coingecko_api_key.is_empty()
        && cg.starts_with("http://")
        && !url::Url::parse(cg)
            .is_ok_and(|u| matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")))
    {
        problems.push(problem(
            "market.coingecko_url",
            "sends the API key over plain http: use https:// (http:// is accepted for loopback only)",
        ));
    }

    let mut seen: HashMap<_, (usize, &str)> = HashMap::new();
    let labels = config
        .wallets
        .iter()
        .enumerate()
        .map(|(i, w)| (format!("wallets[{i}].label"), w.label.as_str()))
        .chain(
            config
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("labels[{i}].label"), l.label.as_str())),
        );
    for (key, label) in labels {
        let label = label.trim();
        if label.is_empty() {
            problems.push(problem(key, "must not be empty"));
        } else if label.chars().count() > MAX_LABEL_CHARS {
            problems.push(problem(
                key,
                format!(
                    "is {} characters long; at most {MAX_LABEL_CHARS} fit the table",
                    label.chars().count()
                ),
            ));
        } else if label.chars().any(char::is_control) {
            problems.push(problem(key, "must not contain control characters"));
        }
    }
    for (i, wallet) in config.wallets.iter().enumerate() {
        // Addresses are compared as bytes, so case never hides a duplicate.
        if let Some((first, first_label)) = seen.get(&wallet.address) {
            problems.push(problem(
                format!("wallets[{i}].address"),
                format!(
                    "{} is watched twice: as \"{first_label}\" (wallets[{first}]) and as \"{}\"",
                    wallet.address, wallet.label
                ),
            ));
        } else {
            seen.insert(wallet.address, (i, wallet.label.as_str()));
        }
    }
    problems
}

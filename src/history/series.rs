//! What the history records, by name: each series a value over time. In the file a series is
//! its key (`price:coingecko`, `balance:0x…`), written and read here only, so no caller builds
//! or parses a key by hand.

use std::fmt;
use std::str::FromStr;

use alloy::primitives::Address;

use crate::state::SourceName;

/// Where a recorded price comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PricedBy {
    /// A market source's price.
    Market(SourceName),
    /// The deepest pool's spot price at the ETH/USD feed.
    Onchain,
}

/// One recorded series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Series {
    /// The watched wallets' paper value, USD.
    PortfolioPaper,
    /// The portfolio's exit, net of gas, USD.
    PortfolioExit,
    /// POP's price, USD.
    Price(PricedBy),
    /// A watched wallet's POP (whole tokens; the raw amount beside it).
    Balance(Address),
    /// A pool's POP reserve.
    PoolPop(Address),
    /// A pool's ETH reserve.
    PoolEth(Address),
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Series::PortfolioPaper => f.write_str("portfolio:paper"),
            Series::PortfolioExit => f.write_str("portfolio:exit"),
            Series::Price(PricedBy::Market(source)) => write!(f, "price:{}", source.as_str()),
            Series::Price(PricedBy::Onchain) => f.write_str("price:onchain"),
            Series::Balance(wallet) => write!(f, "balance:{wallet:#x}"),
            Series::PoolPop(pool) => write!(f, "pool:{pool:#x}:pop"),
            Series::PoolEth(pool) => write!(f, "pool:{pool:#x}:eth"),
        }
    }
}

/// A key this build does not know (written by a newer popwatch, say): skipped, not guessed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown history series `{0}`")]
pub struct UnknownSeries(pub String);

impl FromStr for Series {
    type Err = UnknownSeries;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownSeries(key.to_owned());
        let address = |text: &str| text.parse::<Address>().map_err(|_| unknown());
        match key.split(':').collect::<Vec<_>>().as_slice() {
            ["portfolio", "paper"] => Ok(Series::PortfolioPaper),
            ["portfolio", "exit"] => Ok(Series::PortfolioExit),
            ["price", "onchain"] => Ok(Series::Price(PricedBy::Onchain)),
            ["price", source] => SourceName::ALL
                .into_iter()
                .find(|s| s.as_str() == *source)
                .map(|s| Series::Price(PricedBy::Market(s)))
                .ok_or_else(unknown),
            ["balance", wallet] => Ok(Series::Balance(address(wallet)?)),
            ["pool", pool, "pop"] => Ok(Series::PoolPop(address(pool)?)),
            ["pool", pool, "eth"] => Ok(Series::PoolEth(address(pool)?)),
            _ => Err(unknown()),
        }
    }
}

/// A value of a series as a state shows it: the display value (USD, or whole tokens for
/// charts) and, for token amounts, the exact raw integer, which is what is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub series: Series,
    pub value: f64,
    pub raw: Option<String>,
}

/// A recorded value.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Unix time, seconds.
    pub ts: i64,
    pub series: Series,
    pub value: f64,
    pub raw: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_reads_back_as_written() {
        let a = Address::repeat_byte(0xab);
        let all = [
            Series::PortfolioPaper,
            Series::PortfolioExit,
            Series::Price(PricedBy::Onchain),
            Series::Balance(a),
            Series::PoolPop(a),
            Series::PoolEth(a),
        ]
        .into_iter()
        .chain(
            SourceName::ALL
                .into_iter()
                .map(|s| Series::Price(PricedBy::Market(s))),
        );
        for series in all {
            assert_eq!(series.to_string().parse::<Series>(), Ok(series));
        }
        // The keys of files written before this type existed.
        assert_eq!(
            "price:coingecko".parse::<Series>(),
            Ok(Series::Price(PricedBy::Market(SourceName::Coingecko)))
        );
        assert_eq!(
            Series::Balance(a).to_string(),
            format!("balance:0x{}", "ab".repeat(20))
        );
        assert!("volume:coingecko".parse::<Series>().is_err());
        assert!("balance:0xnope".parse::<Series>().is_err());
    }
}

//! The demo's slower figures, as the market sources and the name lookups send them: POP's
//! peers (Theta and Audius, with market caps and volumes of their size), the venues POP trades
//! on (an obscure exchange gone stale and the Uniswap pools; no major exchange), and the ENS
//! names of two wallets and of the treasury. All simulated, with a little noise.

use alloy::primitives::Address;
use time::OffsetDateTime;

use super::demo_address;
use crate::state::exits::Venue;
use crate::state::market::{MarketVenue, Peer};
use crate::state::{SourceName, Update};

/// The updates, `noise` giving numbers in [-1, 1).
pub fn updates(
    noise: &mut dyn FnMut() -> f64,
    now: OffsetDateTime,
    pools: &[(Venue, Address)],
) -> Vec<Update> {
    let mut wobble = |x: f64| x * (1.0 + noise() * 0.02);
    let peers = vec![
        Peer {
            id: "theta-token".to_owned(),
            symbol: Some("THETA".to_owned()),
            price_usd: Some(wobble(0.92)),
            market_cap_usd: Some(wobble(920_000_000.0)),
            volume_24h_usd: Some(wobble(31_000_000.0)),
            change_24h_pct: Some(wobble(-1.8)),
        },
        Peer {
            id: "audius".to_owned(),
            symbol: Some("AUDIO".to_owned()),
            price_usd: Some(wobble(0.071)),
            market_cap_usd: Some(wobble(96_000_000.0)),
            volume_24h_usd: Some(wobble(6_400_000.0)),
            change_24h_pct: Some(wobble(2.3)),
        },
    ];
    let address_of = |venue: Venue| {
        pools
            .iter()
            .find(|(v, _)| *v == venue)
            .map(|(_, a)| a.to_checksum(None))
    };
    let coingecko_venues = vec![
        MarketVenue {
            exchange: "uniswap_v1".to_owned(),
            pair: "POP/ETH".to_owned(),
            address: None,
            volume_24h_usd: Some(wobble(38.0)),
            last_traded_at: Some(now - time::Duration::hours(3)),
            is_stale: false,
        },
        MarketVenue {
            exchange: "hotbit".to_owned(),
            pair: "POP/USDT".to_owned(),
            address: None,
            volume_24h_usd: Some(0.0),
            last_traded_at: Some(now - time::Duration::days(412)),
            is_stale: true,
        },
    ];
    let dexscreener_venues = [
        (Venue::UniswapV1, "uniswap v1"),
        (Venue::UniswapV2, "uniswap v2"),
    ]
    .into_iter()
    .filter_map(|(venue, name)| {
        Some(MarketVenue {
            exchange: name.to_owned(),
            pair: "POP/WETH".to_owned(),
            address: Some(address_of(venue)?),
            volume_24h_usd: Some(wobble(if venue == Venue::UniswapV1 {
                21.0
            } else {
                12.0
            })),
            last_traded_at: Some(now - time::Duration::hours(5)),
            is_stale: false,
        })
    })
    .collect();
    vec![
        Update::Peers {
            source: SourceName::Coingecko,
            peers: peers.clone(),
        },
        Update::Peers {
            source: SourceName::Coinpaprika,
            peers,
        },
        Update::Venues {
            source: SourceName::Coingecko,
            venues: coingecko_venues,
        },
        Update::Venues {
            source: SourceName::Dexscreener,
            venues: dexscreener_venues,
        },
        Update::EnsNames(vec![
            (demo_address("Whale"), Some("popwhale.eth".to_owned())),
            (
                demo_address("Cold storage"),
                Some("coldvault.eth".to_owned()),
            ),
            (
                super::history::treasury(),
                Some("popnetwork.eth".to_owned()),
            ),
        ]),
    ]
}

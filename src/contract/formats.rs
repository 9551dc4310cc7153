//! String formats that OpenAPI contracts use but JSON Schema does not define, implemented once
//! here and registered with every validator:
//! - `byte`: base64 (RFC 4648, standard alphabet, padded), as OpenAPI defines it;
//! - `ip`: an IPv4/IPv6 address or CIDR range outside private, loopback and link-local
//!   networks (Rebilly's `allowedIps`: "Private subnets are prohibited").

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;

pub fn is_byte(value: &str) -> bool {
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .is_ok()
}

pub fn is_public_ip_or_cidr(value: &str) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let Ok(address) = address.parse::<IpAddr>() else {
        return false;
    };
    let max_prefix = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max_prefix,
        Some(p) => match p.parse::<u32>() {
            Ok(p) if p <= max_prefix => p,
            _ => return false,
        },
    };
    match address {
        IpAddr::V4(v4) => !overlaps_private_v4(v4, prefix),
        IpAddr::V6(v6) => !overlaps_private_v6(v6, prefix),
    }
}

/// Whether `address/prefix` shares any address with a private, loopback or link-local network.
fn overlaps_private_v4(address: Ipv4Addr, prefix: u32) -> bool {
    const PRIVATE: &[(Ipv4Addr, u32)] = &[
        (Ipv4Addr::new(10, 0, 0, 0), 8),
        (Ipv4Addr::new(172, 16, 0, 0), 12),
        (Ipv4Addr::new(192, 168, 0, 0), 16),
        (Ipv4Addr::new(127, 0, 0, 0), 8),
        (Ipv4Addr::new(169, 254, 0, 0), 16),
        (Ipv4Addr::new(0, 0, 0, 0), 8),
    ];
    let bits = u32::from(address);
    PRIVATE.iter().any(|(net, net_prefix)| {
        let common = prefix.min(*net_prefix);
        let mask = if common == 0 {
            0
        } else {
            u32::MAX << (32 - common)
        };
        bits & mask == u32::from(*net) & mask
    })
}

fn overlaps_private_v6(address: Ipv6Addr, prefix: u32) -> bool {
    const PRIVATE: &[(u128, u32)] = &[
        (0xfc00 << 112, 7),  // unique local
        (0xfe80 << 112, 10), // link-local
        (1, 128),            // loopback
        (0, 128),            // unspecified
    ];
    let bits = u128::from(address);
    PRIVATE.iter().any(|(net, net_prefix)| {
        let common = prefix.min(*net_prefix);
        let mask = if common == 0 {
            0
        } else {
            u128::MAX << (128 - common)
        };
        bits & mask == net & mask
    })
}

/// The jsonschema options every validator of a contract is built with: 2020-12, formats
/// asserted, and the formats OpenAPI names that jsonschema does not know.
pub(super) fn validator_options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("byte", is_byte)
        .with_format("ip", is_public_ip_or_cidr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses_and_ranges_are_ips() {
        for ok in ["8.8.8.8", "203.0.113.0/24", "2001:db8::1", "2606:4700::/32"] {
            assert!(is_public_ip_or_cidr(ok), "{ok}");
        }
    }

    #[test]
    fn private_subnets_and_garbage_are_not() {
        for bad in [
            "10.1.2.3",
            "192.168.0.0/16",
            "172.20.0.1",
            "0.0.0.0/0",
            "127.0.0.1",
            "fd00::1",
            "fe80::/64",
            "1.2.3.4/33",
            "nope",
        ] {
            assert!(!is_public_ip_or_cidr(bad), "{bad}");
        }
    }

    #[test]
    fn base64_needs_the_standard_alphabet() {
        assert!(is_byte("aSDinaTvuI8gbWludGxpZnk="));
        assert!(is_byte(""));
        assert!(!is_byte("not base64!"));
    }
}

//! Where a merchant's endpoint (hand-offs, events out) may be: the public internet only. An
//! endpoint inside the deployment's network — the instance metadata service (`169.254.169.254`,
//! `fd00:ec2::254`), a private range, this machine — would let whoever can edit a store's
//! configuration make Cartback fetch what only it can reach. Checked when the configuration is
//! read (an address written as a literal, in any of its forms) and again when a request is sent
//! (every address the name resolves to: `cartback_channels::outbound_target`), with no redirect
//! followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether an endpoint may be at `ip`. Loopback only with `loopback` (local mode's explicit
/// development flag).
pub fn allowed(ip: IpAddr, loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => allowed_v4(v4, loopback),
        IpAddr::V6(v6) => allowed_v6(v6, loopback),
    }
}

fn allowed_v4(ip: Ipv4Addr, loopback: bool) -> bool {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        return loopback;
    }
    !(ip.is_unspecified()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: the instance metadata service
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT), 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments, 192.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18/15
        || a >= 240) // reserved
}

fn allowed_v6(ip: Ipv6Addr, loopback: bool) -> bool {
    if ip.is_loopback() {
        return loopback;
    }
    // An IPv4 address carried in IPv6 (mapped, compatible, NAT64) is judged as that address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return allowed_v4(v4, loopback);
    }
    let s = ip.segments();
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        let o = ip.octets();
        return allowed_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]), loopback);
    }
    if s[..6] == [0; 6] {
        // ::a.b.c.d (deprecated IPv4-compatible) and ::
        let o = ip.octets();
        return !ip.is_unspecified() && allowed_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]), loopback);
    }
    !(ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (fd00:ec2::254: the metadata service)
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
}

/// The address a URL's host is written as (`localhost` counted as 127.0.0.1): checked without
/// resolving. `None` for a name, which is checked as it resolves.
pub fn host_address(u: &url::Url) -> Option<IpAddr> {
    match u.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        url::Host::Domain(_) => None,
    }
}

/// Why an endpoint URL is refused when written, if it is: not https (http only to this
/// machine), or a host written as an address that `allowed` refuses (the URL parser reads
/// `0x7f000001`, `2130706433` and `017700000001` as 127.0.0.1, as browsers and HTTP clients do).
pub fn url_problem(url: &str) -> Option<String> {
    let Ok(u) = url::Url::parse(url) else { return Some(format!("`{url}` is not a URL")) };
    if u.host().is_none() {
        return Some(format!("`{url}` has no host"));
    }
    let ip = host_address(&u);
    let local = ip.is_some_and(|ip| ip.is_loopback());
    match u.scheme() {
        "https" => {}
        "http" if local => {}
        _ => return Some(format!("`{url}` is not an https URL")),
    }
    if let Some(ip) = ip
        && !allowed(ip, true)
    {
        return Some(format!(
            "`{url}` is a private, link-local or reserved address: endpoints must be on the internet"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_in_every_form() {
        for bad in [
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/x",
            "https://172.16.5.4/x",
            "https://192.168.1.1/x",
            "https://100.64.0.1/x",
            "https://0.0.0.0/x",
            "https://[fd00:ec2::254]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:169.254.169.254]/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://[64:ff9b::a9fe:a9fe]/x",
            "https://2852039166/x",          // 169.254.169.254 in decimal
            "https://0xa9fea9fe/x",          // and in hex
            "https://0251.0376.0251.0376/x", // and in octal
            "ftp://hooks.example/x",
            "http://hooks.example/x",
        ] {
            assert!(url_problem(bad).is_some(), "{bad}");
        }
        for ok in [
            "https://hooks.example/cartback",
            "https://93.184.215.14/x",
            "https://[2606:4700::1111]/x",
            "http://127.0.0.1:9000/x",
            "http://localhost:9000/x",
            "https://0x7f000001/x", // loopback: allowed to be written (local mode); refused at use unless opted in
        ] {
            assert_eq!(url_problem(ok), None, "{ok}");
        }
        assert!(!allowed("127.0.0.1".parse().unwrap(), false));
        assert!(!allowed("::1".parse().unwrap(), false));
        assert!(allowed("::1".parse().unwrap(), true));
    }
}

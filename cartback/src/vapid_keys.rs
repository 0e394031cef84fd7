//! `cartback vapid-keys`: a new VAPID key pair for a store's web push (docs/web-push.md), printed
//! as the two TOML lines to paste; `cartback store` then moves the private half to SSM.

pub fn run() -> anyhow::Result<()> {
    let key = cartback_channels::web_push::vapid::VapidKey::generate()?;
    println!("# [stores.webpush] (the public half: the snippet subscribes with it)");
    println!("vapid_public_key = \"{}\"", key.public_base64url());
    println!("# in the store's table (a secret: `cartback store` moves it to an SSM SecureString)");
    println!("webpush_vapid_private_key = \"{}\"", key.private_base64url());
    Ok(())
}

//! The deployment key in SSM and the move of contacts written under the first versions'
//! unkeyed contact keys (from which a phone number can be recovered by trying candidates), over
//! the wire against moto.
#![allow(clippy::unwrap_used)]

mod moto;

use cartback_aws::deployment_key;
use cartback_core::domain::contact::{contact_key_with, legacy_contact_key, legacy_link};
use cartback_core::domain::{Channel, Contact, pii::Pii};
use cartback_core::ports::{CartStore, Clock};
use std::sync::Arc;

#[tokio::test]
async fn the_key_is_created_once_and_legacy_contacts_move_to_keyed_keys() {
    let Some(env) = moto::Env::new("keys").await else { return };
    let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let ssm = aws_sdk_ssm::Client::new(&conf);
    let stage = format!("k{}", std::process::id());
    let missing = deployment_key::load(&ssm, &stage).await.unwrap_err().to_string();
    assert!(missing.contains("run `cartback store`"), "{missing}");
    assert!(deployment_key::ensure(&ssm, &stage).await.unwrap(), "created");
    let secret = deployment_key::load(&ssm, &stage).await.unwrap();
    assert!(!deployment_key::ensure(&ssm, &stage).await.unwrap(), "never replaced");
    assert_eq!(deployment_key::load(&ssm, &stage).await.unwrap(), secret);

    let clock: Arc<dyn Clock> = Arc::new(cartback_core::system::SystemClock);
    let store = env.store(clock);
    let phone = "+905321234567";
    let legacy = legacy_contact_key("demo", phone);
    let mut c = Contact::new("demo", &legacy);
    c.phone = Some(Pii::new(phone.to_string()));
    c.opted_out.push(Channel::Sms);
    store.put_contact(c).await.unwrap();

    assert_eq!(store.migrate_contact_keys(&secret).await.unwrap(), (1, 0));
    let keyed = contact_key_with(&secret, "demo", phone);
    let moved = store.get_contact("demo", &keyed).await.unwrap().expect("under its keyed key");
    assert!(moved.is_opted_out(Channel::Sms), "the opt-out moved with it");
    assert!(store.get_contact("demo", &legacy).await.unwrap().is_none(), "the legacy item is gone");
    let link = store.get_link(&legacy_link("demo", &legacy)).await.unwrap().expect("where the legacy key went");
    assert_eq!(link.cart, keyed);
    // Again: nothing left to move.
    assert_eq!(store.migrate_contact_keys(&secret).await.unwrap(), (0, 0));
}

//! Property test over random transition sequences on two tabs sharing one storage, with
//! storage events delivered late and out of step (on an event, a tab reads the key's current
//! value, as the host layer does): the invariants hold after every step, and
//! the tabs converge once every event is delivered.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::VecDeque;

use cloudinary_connector::core::accounts::{AccountListing, Accounts, Effect, Timestamp};
use cloudinary_connector::core::json::Value;
use cloudinary_connector::json;
use proptest::prelude::*;

/// A harmless-looking field the signer might add: it must never reach storage.
const CANARY: &str = "CANARY-must-not-be-stored";
const ACCOUNTS: [&str; 4] = ["acme", "brand-b", "agency", "zeta"];
const SUBS: [&str; 4] = ["prod", "staging", "eu", "us"];

#[derive(Clone, Debug)]
struct CloudSpec {
    sub: usize,
    role: usize,
    product: usize,
    permissions: Option<(bool, bool)>,
}

#[derive(Clone, Debug)]
struct ListedSpec {
    account: usize,
    /// The primary cloud's role, `None` for `null`.
    role: Option<usize>,
    products: Vec<usize>,
    permissions: Option<(bool, bool)>,
    subs: Vec<CloudSpec>,
    label: usize,
}

#[derive(Clone, Debug)]
struct ListingSpec {
    user: usize,
    expires_in: i64,
    with_expiry: bool,
    accounts: Vec<ListedSpec>,
    secret_field: bool,
}

const ROLES: [&str; 3] = ["viewer", "uploader", "admin"];
const PRODUCTS: [&str; 2] = ["programmable_media", "dam"];

fn perms(p: Option<(bool, bool)>) -> Value {
    match p {
        None => Value::Null,
        Some((ml, upload)) => json!({
            "upload_params": if upload { json!(["*"]) } else { json!([]) },
            "upload_presets": ["preset-a"], "folder_prefix": "{user}/",
            "delivery_types": ["upload"], "media_library": ml, "note": CANARY,
        }),
    }
}

/// The sub-account id the generator uses: the account id for index 0 (its primary cloud).
fn sub_id(account: usize, sub: usize) -> String {
    if sub == 0 {
        ACCOUNTS[account].to_owned()
    } else {
        format!("{}-{}", ACCOUNTS[account], SUBS[sub])
    }
}

impl ListingSpec {
    fn json(&self, now: u64) -> Value {
        let mut seen = Vec::new();
        let accounts: Vec<Value> = self
            .accounts
            .iter()
            .filter(|a| {
                let fresh = !seen.contains(&a.account);
                seen.push(a.account);
                fresh
            })
            .map(|a| {
                let id = ACCOUNTS[a.account];
                let mut subs_seen = Vec::new();
                let sub_json: Vec<Value> = a
                    .subs
                    .iter()
                    .filter(|c| {
                        let fresh = c.sub != 0 && !subs_seen.contains(&c.sub);
                        subs_seen.push(c.sub);
                        fresh
                    })
                    .map(|c| {
                        let sid = sub_id(a.account, c.sub);
                        json!({"id": sid, "label": format!("{} {}", SUBS[c.sub], a.label),
                               "cloud_name": sid, "api_key": format!("{}{}", a.account, c.sub),
                               "products": [PRODUCTS[c.product]], "role": ROLES[c.role],
                               "permissions": perms(c.permissions), "note": CANARY})
                    })
                    .collect();
                json!({
                    "id": id, "label": format!("{id} {}", a.label),
                    "cloud_name": format!("{id}-main"), "api_key": format!("{}0", a.account),
                    "products": a.products.iter().map(|p| PRODUCTS[*p]).collect::<Vec<_>>(),
                    "signature_algorithm": "sha256",
                    "role": a.role.map(|r| ROLES[r]),
                    "permissions": perms(a.permissions),
                    "sub_accounts": sub_json, "extra": CANARY,
                })
            })
            .collect();
        let mut v = json!({
            "user": (["alice@example.com", "bob@example.com"][self.user]),
            "accounts": accounts,
            "comment": CANARY,
        });
        if self.with_expiry {
            v["expires_at"] = json!((now as i64 + self.expires_in).max(0));
        }
        if self.secret_field {
            match v["accounts"].as_array_mut().and_then(|a| a.first_mut()) {
                Some(a) => a["api_secret"] = json!(CANARY),
                None => v["access_token"] = json!(CANARY),
            }
        }
        v
    }

    /// Parses as the host layer does: with the token's expiry as the fallback.
    fn parse(&self, now: u64) -> Result<AccountListing, String> {
        let token_exp = Timestamp((now as i64 + self.expires_in + 30).max(0) as u64);
        AccountListing::parse_with_expiry(&self.json(now).to_string(), token_exp).map_err(|e| {
            let e = e.to_string();
            assert!(!e.contains(CANARY), "an error echoes a value: {e}");
            e
        })
    }
}

#[derive(Clone, Debug)]
enum Op {
    Login(usize, usize, ListingSpec),
    Logout(usize, usize),
    LogoutAll(usize),
    Switch(usize, usize, Option<usize>),
    SwitchSub(usize, usize, usize),
    Reconcile(usize, ListingSpec),
    Expire(usize),
    Rename(usize, usize, Option<usize>),
    Reload(usize),
    Deliver(usize),
    Wait(u64),
}

fn cloud_spec() -> impl Strategy<Value = CloudSpec> {
    (
        0..SUBS.len(),
        0..3usize,
        0..2usize,
        prop::option::of((any::<bool>(), any::<bool>())),
    )
        .prop_map(|(sub, role, product, permissions)| CloudSpec {
            sub,
            role,
            product,
            permissions,
        })
}

fn listed() -> impl Strategy<Value = ListedSpec> {
    (
        0..ACCOUNTS.len(),
        prop::option::weighted(0.8, 0..3usize),
        prop::collection::vec(0..2usize, 1..3),
        prop::option::of((any::<bool>(), any::<bool>())),
        prop::collection::vec(cloud_spec(), 0..3),
        0..2usize,
    )
        .prop_map(
            |(account, role, products, permissions, subs, label)| ListedSpec {
                account,
                role,
                products,
                permissions,
                subs,
                label,
            },
        )
}

fn listing() -> impl Strategy<Value = ListingSpec> {
    (
        prop_oneof![9 => Just(0usize), 1 => Just(1usize)],
        -50i64..2_000,
        prop::bool::weighted(0.7),
        prop::collection::vec(listed(), 0..5),
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(user, expires_in, with_expiry, accounts, secret_field)| ListingSpec {
                user,
                expires_in,
                with_expiry,
                accounts,
                secret_field,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    let tab = 0..2usize;
    let acc = 0..ACCOUNTS.len();
    prop_oneof![
        4 => (tab.clone(), acc.clone(), listing()).prop_map(|(t, a, l)| Op::Login(t, a, l)),
        2 => (tab.clone(), acc.clone()).prop_map(|(t, a)| Op::Logout(t, a)),
        1 => tab.clone().prop_map(Op::LogoutAll),
        3 => (tab.clone(), acc.clone(), prop::option::of(0..SUBS.len())).prop_map(|(t, a, s)| Op::Switch(t, a, s)),
        2 => (tab.clone(), acc.clone(), 0..SUBS.len()).prop_map(|(t, a, s)| Op::SwitchSub(t, a, s)),
        3 => (tab.clone(), listing()).prop_map(|(t, l)| Op::Reconcile(t, l)),
        1 => tab.clone().prop_map(Op::Expire),
        1 => (tab.clone(), acc.clone(), prop::option::of(0..3usize)).prop_map(|(t, a, l)| Op::Rename(t, a, l)),
        1 => tab.clone().prop_map(Op::Reload),
        4 => tab.prop_map(Op::Deliver),
        2 => (1u64..400).prop_map(Op::Wait),
    ]
}

struct World {
    tabs: [Accounts; 2],
    inbox: [VecDeque<String>; 2],
    storage: Option<String>,
    now: u64,
    reloads: u32,
}

fn sensitive_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let l = k.to_ascii_lowercase();
                if ["secret", "token", "signature", "password"]
                    .iter()
                    .any(|s| l.contains(s))
                {
                    out.push(k.clone());
                }
                sensitive_keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| sensitive_keys(v, out)),
        _ => {}
    }
}

fn check_invariants(acc: &Accounts, now: Timestamp, swept: bool) -> Result<(), TestCaseError> {
    if let Some(sel) = acc.selection() {
        let a = acc.account(&sel.account);
        prop_assert!(a.is_some(), "current names an unknown account: {sel:?}");
        let a = a.unwrap();
        prop_assert!(
            a.session().is_some(),
            "current account {} is not logged in",
            a.id()
        );
        prop_assert!(
            a.sub_account(&sel.sub_account).is_some(),
            "current sub-account missing"
        );
        prop_assert!(acc.current().is_some());
    }
    if swept {
        for a in acc.accounts() {
            if let Some(s) = a.session() {
                prop_assert!(s.expires_at() > now, "an expired session survived a sweep");
            }
        }
    }
    let stored = acc.to_stored();
    prop_assert!(
        !stored.contains(CANARY),
        "an unknown listing field reached storage"
    );
    let v: Value = cloudinary_connector::core::json::from_str(&stored).unwrap();
    let mut keys = Vec::new();
    sensitive_keys(&v, &mut keys);
    prop_assert!(keys.is_empty(), "sensitive keys persisted: {keys:?}");
    // What is persisted loads back without issue.
    let r = Accounts::from_stored(&stored, "probe", now).unwrap();
    prop_assert!(
        r.issues.is_empty(),
        "own output fails to load: {:?}",
        r.issues
    );
    Ok(())
}

/// Effects agree with the state; and no session ends (or changes hands) without its account's
/// pending work cancelled, widgets unmounted and cached signatures dropped. `before` is `None`
/// after a reload (nothing was mounted).
fn check_effects(
    before: Option<&Accounts>,
    acc: &Accounts,
    effects: &[Effect],
) -> Result<(), TestCaseError> {
    if let Some(i) = effects.iter().position(|e| *e == Effect::Persist) {
        prop_assert_eq!(i, effects.len() - 1, "Persist comes last");
    }
    for e in effects {
        match e {
            Effect::RemountOn(c) => prop_assert_eq!(Some(c.clone()), acc.current()),
            Effect::NoCurrentAccount => prop_assert!(acc.current().is_none()),
            _ => {}
        }
    }
    let Some(before) = before else { return Ok(()) };
    for old in before.accounts() {
        let Some(old_session) = old.session() else {
            continue;
        };
        let still = acc
            .account(old.id())
            .and_then(|a| a.session())
            .is_some_and(|s| s.user() == old_session.user());
        let dropped = effects.contains(&Effect::DropCachedSignatures(old.id().to_owned()));
        prop_assert_eq!(!still, dropped, "signatures of {} vs its session", old.id());
        if dropped {
            prop_assert!(effects.contains(&Effect::UnmountWidgetsOf(old.id().to_owned())));
            prop_assert!(effects.contains(&Effect::CancelPending(old.id().to_owned())));
        }
    }
    // What widgets are bound to (labels are not: a rename does not remount).
    let binding = |a: &Accounts| {
        a.current().map(|c| {
            (
                c.account,
                c.sub_account,
                c.cloud_name,
                c.role,
                c.product,
                c.grants,
                c.user,
            )
        })
    };
    if binding(before) != binding(acc) {
        prop_assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::RemountOn(_) | Effect::NoCurrentAccount)),
            "the binding changed without a remount"
        );
        if let Some(old) = before.current() {
            prop_assert!(
                effects.contains(&Effect::UnmountWidgetsOf(old.account.clone())),
                "the old cloud's widgets stay mounted"
            );
        }
    }
    Ok(())
}

impl World {
    fn persist_from(&mut self, t: usize, effects: &[Effect]) {
        if effects.contains(&Effect::Persist) {
            let doc = self.tabs[t].to_stored();
            self.storage = Some(doc.clone());
            self.inbox[1 - t].push_back(doc);
        }
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let now = Timestamp(self.now);
        let snapshot = self.tabs.clone();
        let (t, result, swept): (usize, Result<Vec<Effect>, String>, bool) = match op {
            Op::Wait(d) => {
                self.now += d;
                return Ok(());
            }
            Op::Reload(t) => {
                self.reloads += 1;
                let tab = format!("tab-{t}-r{}", self.reloads);
                let Some(doc) = self.storage.clone() else {
                    return Ok(());
                };
                let r = Accounts::from_stored(&doc, &tab, now).unwrap();
                prop_assert!(r.issues.is_empty(), "storage fails to load: {:?}", r.issues);
                self.tabs[*t] = r.accounts;
                self.inbox[*t].clear();
                (*t, Ok(r.effects), true)
            }
            Op::Deliver(t) => {
                // As the host layer does: a storage event makes the tab read the key's current
                // value (events may be late; the value is what counts).
                if self.inbox[*t].pop_front().is_none() {
                    return Ok(());
                }
                let doc = self.storage.clone().expect("an event implies a write");
                let r = self.tabs[*t]
                    .merge_stored(&doc, now)
                    .map_err(|e| e.to_string());
                (*t, r, true)
            }
            op => {
                let (t, before) = match op {
                    Op::Login(t, ..)
                    | Op::Logout(t, _)
                    | Op::LogoutAll(t)
                    | Op::Switch(t, ..)
                    | Op::SwitchSub(t, ..)
                    | Op::Reconcile(t, _)
                    | Op::Expire(t)
                    | Op::Rename(t, ..) => (*t, self.tabs[*t].clone()),
                    _ => unreachable!(),
                };
                let acc = &mut self.tabs[t];
                let r = match op {
                    Op::Login(_, a, l) => l
                        .parse(self.now)
                        .and_then(|l| acc.login(ACCOUNTS[*a], &l, now).map_err(|e| e.to_string())),
                    Op::Logout(_, a) => acc.logout(ACCOUNTS[*a], now).map_err(|e| e.to_string()),
                    Op::LogoutAll(_) => Ok(acc.logout_all(now)),
                    Op::Switch(_, a, s) => acc
                        .switch_to(ACCOUNTS[*a], s.map(|s| sub_id(*a, s)).as_deref(), now)
                        .map_err(|e| e.to_string()),
                    Op::SwitchSub(_, a, s) => acc
                        .switch_sub_account(&sub_id(*a, *s), now)
                        .map_err(|e| e.to_string()),
                    Op::Reconcile(_, l) => l
                        .parse(self.now)
                        .and_then(|l| acc.reconcile(&l, now).map_err(|e| e.to_string())),
                    Op::Expire(_) => Ok(acc.expire(now)),
                    Op::Rename(_, a, l) => acc
                        .rename(
                            ACCOUNTS[*a],
                            l.map(|l| ["Client", "Staging pair", "Ünïcödé label"][l]),
                        )
                        .map_err(|e| e.to_string()),
                    _ => unreachable!(),
                };
                if r.is_err() {
                    prop_assert_eq!(
                        &self.tabs[t],
                        &before,
                        "a refused transition changed the state"
                    );
                }
                let swept = !matches!(op, Op::Rename(..)) && r.is_ok();
                (t, r, swept)
            }
        };
        if let Ok(effects) = &result {
            let before = (!matches!(op, Op::Reload(_))).then(|| &snapshot[t]);
            check_effects(before, &self.tabs[t], effects)?;
            self.persist_from(t, effects);
        }
        check_invariants(&self.tabs[t], now, swept)?;
        Ok(())
    }

    /// Delivers every pending storage event until both tabs are quiet.
    fn drain(&mut self) -> Result<(), TestCaseError> {
        for _ in 0..50 {
            if self.inbox.iter().all(VecDeque::is_empty) {
                return Ok(());
            }
            for t in 0..2 {
                while !self.inbox[t].is_empty() {
                    self.step(&Op::Deliver(t))?;
                }
            }
        }
        Err(TestCaseError::fail(
            "storage events never quiesce (ping-pong between tabs)",
        ))
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        // 400 cases (≈ 10k transitions) in the suite; PROPTEST_CASES=20000 for a deeper run.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400),
        max_shrink_iters: 5_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_transition_sequences_keep_the_invariants(ops in prop::collection::vec(op(), 1..60)) {
        let mut w = World {
            tabs: [Accounts::new("tab-0").unwrap(), Accounts::new("tab-1").unwrap()],
            inbox: [VecDeque::new(), VecDeque::new()],
            storage: None,
            now: 1_000,
            reloads: 0,
        };
        for op in &ops {
            w.step(op)?;
        }
        w.drain()?;
        // Converged: both tabs hold the same accounts and revision as storage.
        if let Some(doc) = &w.storage {
            let stored = Accounts::from_stored(doc, "probe", Timestamp(0)).unwrap().accounts;
            for t in &w.tabs {
                if t.revision() > 0 || t.writer() != t.tab() {
                    prop_assert_eq!(t.accounts(), stored.accounts());
                    prop_assert_eq!(t.revision(), stored.revision());
                }
            }
        }
    }
}

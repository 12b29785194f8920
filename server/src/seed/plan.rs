//! The pure part of seeding: which customers, contacts, devices, activities and brandings to
//! write, with every path and maintained aggregate computed here, so the storage layer only
//! streams rows. Nothing in this module touches the database; the same inputs always give the
//! same plan.
//!
//! Customers are generated level by level, so a parent always precedes its children (and has
//! the smaller id). Contacts, devices, activities and brandings are not held in memory: each is
//! a pure function of its customer (its position and the seed), generated once to sum the
//! aggregates and again while writing.

use canopy_shared::customer::name_key;
use canopy_shared::trial::TRIAL_MILLIS;
use canopy_shared::{ActivityKind, ContactRole, CustomerLevel, ServiceType};

use crate::customers::model::encode_service_types;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;
/// 2024-01-01T00:00:00Z, the anchor's first `created_at`.
const ANCHOR_EPOCH_MS: i64 = 1_704_067_200_000;

/// A small, fast, seedable generator (SplitMix64). Its output is fixed by its definition, so
/// the same seed gives the same data on every platform and with every dependency version.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// An independent stream for item `index` of kind `stream` (e.g. the devices of the
    /// 42nd customer), so items can be regenerated one at a time in any order.
    pub fn for_item(seed: u64, stream: u64, index: u64) -> Self {
        let mut mixer = Self(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        let a = mixer.next_u64();
        Self(a ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Stream tags for [`Rng::for_item`].
mod stream {
    pub const TREE: u64 = 1;
    pub const CUSTOMER: u64 = 2;
    pub const CONTACTS: u64 = 3;
    pub const DEVICES: u64 = 4;
    pub const ACTIVITIES: u64 = 5;
    pub const BRANDING: u64 = 6;
}

/// An active data center, as the `data_centers` table lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataCenter {
    pub code: String,
    pub country: String,
}

/// What the database already holds and the plan builds on: the root, the admin, the data
/// centers, and the id each table's sequence has reached (new rows take the ids after it).
#[derive(Clone, Debug)]
pub struct Base {
    pub root_id: i64,
    pub root_path: String,
    pub admin_user_id: i64,
    pub data_centers: Vec<DataCenter>,
    pub last_customer_id: i64,
    pub last_contact_id: i64,
    pub last_device_id: i64,
    pub last_activity_id: i64,
}

/// The two shapes `canopy seed` makes.
#[derive(Clone, Debug)]
pub enum Shape {
    /// The performance anchor's tree (`../shared/anchors/seed.sql`), by position.
    Anchor {
        /// Children per parent, level by level below the root (1 to 4 levels).
        fanout: Vec<u32>,
        /// Contacts of every customer.
        contacts: u32,
        /// Devices of every customer of the deepest level.
        devices_per_leaf: u32,
    },
    /// A plausible MSP installation.
    Realistic {
        customers: u32,
        devices: u64,
        seed: u64,
        /// "Now" for trials, activities and backups; the data is the same for the same seed
        /// and the same `now`.
        now_ms: i64,
    },
}

/// One customer to insert, with its maintained aggregates already summed.
#[derive(Clone, Debug)]
pub struct Customer {
    pub id: i64,
    /// Position among the generated customers (the anchor's id is `index + 1`).
    pub index: u32,
    pub parent_id: i64,
    pub path: String,
    pub name: String,
    pub level: CustomerLevel,
    pub service_type: ServiceType,
    pub child_service_types: String,
    pub device_country: &'static str,
    /// Index into [`Plan::data_centers`].
    pub storage: u8,
    pub created_at: i64,
    pub trial_expires_at: Option<i64>,
    pub converted_at: Option<i64>,
    pub customer_reference: Option<String>,
    pub contact_count: u32,
    pub first_contact_id: i64,
    pub device_count: u32,
    pub first_device_id: i64,
    pub child_count: i64,
    pub descendant_count: i64,
    pub storage_used_bytes: i64,
    pub subtree_device_count: i64,
    pub subtree_storage_used_bytes: i64,
}

/// A contact row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<&'static str>,
    pub email: String,
    pub phone: String,
    /// Encoded as stored (comma-separated role names).
    pub roles: String,
}

/// A device row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub used_storage_bytes: i64,
    pub created_at: i64,
    pub last_backup_at: Option<i64>,
}

/// A communication activity row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub kind: ActivityKind,
    pub subject: &'static str,
    pub notes: Option<&'static str>,
    pub occurs_at: i64,
    pub contact_id: Option<i64>,
    pub created_at: i64,
}

/// A customer's own branding row (no logo or icon).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branding {
    pub display_name: String,
    pub primary_color: String,
    pub accent_color: String,
    pub background_color: String,
    pub sender_email: String,
}

/// Everything to write: the customers in id order, and the root's new aggregates.
#[derive(Debug)]
pub struct Plan {
    pub shape: Shape,
    pub base: Base,
    /// The codes [`Customer::storage`] indexes.
    pub data_centers: Vec<DataCenter>,
    pub customers: Vec<Customer>,
    pub root_child_count: i64,
    pub root_descendant_count: i64,
    pub root_subtree_device_count: i64,
    pub root_subtree_storage_used_bytes: i64,
    pub contact_total: u64,
    pub device_total: u64,
}

/// Levels below the root, highest first, as the anchor numbers them (1 to 4).
const ANCHOR_LEVELS: [(CustomerLevel, &str); 4] = [
    (CustomerLevel::Distributor, "Distributor"),
    (CustomerLevel::SubDistributor, "Sub-distributor"),
    (CustomerLevel::Reseller, "Reseller"),
    (CustomerLevel::EndCustomer, "End-customer"),
];
const ANCHOR_COUNTRIES: [&str; 8] = ["DE", "FR", "US", "GB", "NL", "SE", "ES", "IT"];
/// The anchor's `storage_location` formula (`eu-central`, `eu-west`, `us-east` by `id % 3`),
/// as Canopy data centers: used for anchor countries without a data center of their own.
const ANCHOR_STORAGE: [&str; 3] = ["DE", "NL", "US"];
const DEVICE_KINDS: [&str; 6] = [
    "Windows Server",
    "Windows",
    "Linux",
    "macOS",
    "Microsoft 365",
    "VMware",
];

impl Plan {
    /// Plans `shape` on top of `base`.
    pub fn build(shape: Shape, base: Base) -> anyhow::Result<Self> {
        if base.data_centers.is_empty() {
            anyhow::bail!("the database has no active data center to store customers in");
        }
        let mut plan = Plan {
            data_centers: base.data_centers.clone(),
            shape,
            base,
            customers: Vec::new(),
            root_child_count: 0,
            root_descendant_count: 0,
            root_subtree_device_count: 0,
            root_subtree_storage_used_bytes: 0,
            contact_total: 0,
            device_total: 0,
        };
        match plan.shape.clone() {
            Shape::Anchor { fanout, .. } => plan.anchor_tree(&fanout)?,
            Shape::Realistic {
                customers,
                devices,
                seed,
                now_ms,
            } => plan.realistic_tree(customers, devices, seed, now_ms)?,
        }
        plan.assign_ids_and_sum();
        Ok(plan)
    }

    /// The data center of `country`, or the first of `preferred` that exists, or the first
    /// data center: DOMAIN.md pins a country with a data center to it, and leaves the choice
    /// open for the others.
    fn storage_for(&self, country: &str, preferred: &[&str]) -> u8 {
        let position = |code: &str| self.data_centers.iter().position(|d| d.code == code);
        let found = self
            .data_centers
            .iter()
            .position(|d| d.country == country)
            .or_else(|| preferred.iter().find_map(|p| position(p)))
            .unwrap_or(0);
        u8::try_from(found).unwrap_or(0)
    }

    /// The storage location code of `customer`.
    pub fn storage_code(&self, customer: &Customer) -> &str {
        &self.data_centers[usize::from(customer.storage)].code
    }

    fn new_customer(&self, parent: Option<usize>, level: CustomerLevel) -> Customer {
        let index = self.customers.len() as u32;
        let (parent_id, parent_path) = match parent {
            Some(p) => (self.customers[p].id, self.customers[p].path.as_str()),
            None => (self.base.root_id, self.base.root_path.as_str()),
        };
        let id = self.base.last_customer_id + i64::from(index) + 1;
        Customer {
            id,
            index,
            parent_id,
            path: format!("{parent_path}{id}/"),
            name: String::new(),
            level,
            service_type: ServiceType::AllInclusive,
            child_service_types: encode_service_types(&ServiceType::ALL),
            device_country: "US",
            storage: 0,
            created_at: 0,
            trial_expires_at: None,
            converted_at: None,
            customer_reference: None,
            contact_count: 0,
            first_contact_id: 0,
            device_count: 0,
            first_device_id: 0,
            child_count: 0,
            descendant_count: 0,
            storage_used_bytes: 0,
            subtree_device_count: 0,
            subtree_storage_used_bytes: 0,
        }
    }

    fn anchor_tree(&mut self, fanout: &[u32]) -> anyhow::Result<()> {
        if fanout.is_empty() || fanout.len() > ANCHOR_LEVELS.len() {
            anyhow::bail!("--fanout takes 1 to 4 levels (e.g. 10,10,10,20)");
        }
        let total = fanout
            .iter()
            .try_fold((1_u64, 0_u64), |(width, sum), &f| {
                let width = width.checked_mul(u64::from(f))?;
                Some((width, sum.checked_add(width)?))
            })
            .map(|(_, sum)| sum)
            .filter(|&sum| sum <= u64::from(u32::MAX / 2))
            .ok_or_else(|| anyhow::anyhow!("--fanout makes too many customers"))?;
        self.customers.reserve(total as usize);
        let Shape::Anchor {
            contacts,
            devices_per_leaf,
            ..
        } = self.shape
        else {
            unreachable!("anchor_tree is only called for the anchor shape")
        };
        // The anchor's ids run level by level, each parent's children together, in the order
        // of their parents: exactly this breadth-first loop.
        let mut parents: Vec<Option<usize>> = vec![None];
        for (depth, &children) in fanout.iter().enumerate() {
            let (level, word) = ANCHOR_LEVELS[depth];
            let leaf = depth + 1 == fanout.len();
            let mut next = Vec::with_capacity(parents.len() * children as usize);
            for &parent in &parents {
                for _ in 0..children {
                    let mut c = self.new_customer(parent, level);
                    let n = i64::from(c.index) + 1;
                    c.name = format!("{word} {n}");
                    // basic ⇒ SOFTWARE_ONLY; standard and premium ⇒ ALL_INCLUSIVE.
                    c.service_type = if n % 3 == 0 {
                        ServiceType::SoftwareOnly
                    } else {
                        ServiceType::AllInclusive
                    };
                    c.device_country = ANCHOR_COUNTRIES[(n % 8) as usize];
                    c.storage =
                        self.storage_for(c.device_country, &[ANCHOR_STORAGE[(n % 3) as usize]]);
                    c.created_at = ANCHOR_EPOCH_MS + n * 37 * MINUTE_MS;
                    // Canopy's rule: a trial ends 30 days after creation.
                    c.trial_expires_at = (n % 7 == 0).then_some(c.created_at + TRIAL_MILLIS);
                    c.contact_count = contacts;
                    c.device_count = if leaf { devices_per_leaf } else { 0 };
                    next.push(Some(self.customers.len()));
                    self.customers.push(c);
                }
            }
            parents = next;
        }
        Ok(())
    }

    fn realistic_tree(
        &mut self,
        total: u32,
        devices: u64,
        seed: u64,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        use CustomerLevel::*;
        if total == 0 {
            anyhow::bail!("--customers must be at least 1");
        }
        let counts = level_counts(total);
        let mut rng = Rng::for_item(seed, stream::TREE, 0);
        let mut names = std::collections::HashSet::with_capacity(total as usize);
        // Every customer that can be a parent, per level, with a heavy-tailed weight: a few
        // large partners, many small ones (uneven fan-out).
        let mut pools: Vec<Pool> = vec![Pool::default(); 6];
        self.customers.reserve(total as usize);
        for (level, count) in [
            (Distributor, counts[0]),
            (SubDistributor, counts[1]),
            (Reseller, counts[2]),
            (EndCustomer, counts[3]),
            (Site, counts[4]),
        ] {
            for _ in 0..count {
                let parent = choose_parent(&mut rng, level, &pools);
                let mut c = self.new_customer(parent, level);
                let mut r = Rng::for_item(seed, stream::CUSTOMER, u64::from(c.index));
                let parent_row = parent.map(|p| &self.customers[p]);
                c.name = unique_name(&mut r, level, parent_row, &mut names);
                let offered = parent_row
                    .map(|p| p.child_service_types.as_str())
                    .unwrap_or("ALL_INCLUSIVE,SOFTWARE_ONLY");
                c.service_type = if offered.contains(',') {
                    if r.chance(0.7) {
                        ServiceType::AllInclusive
                    } else {
                        ServiceType::SoftwareOnly
                    }
                } else if offered == "SOFTWARE_ONLY" {
                    ServiceType::SoftwareOnly
                } else {
                    ServiceType::AllInclusive
                };
                // Most partners sell both; some only what they are themselves.
                c.child_service_types = if r.chance(0.8) {
                    encode_service_types(&ServiceType::ALL)
                } else {
                    encode_service_types(&[c.service_type])
                };
                c.device_country = match parent_row {
                    Some(p) if r.chance(if level == Site { 0.9 } else { 0.7 }) => p.device_country,
                    _ => pick_country(&mut r),
                };
                c.storage = self.storage_for(c.device_country, nearby(c.device_country));
                let parent_created = parent_row
                    .map(|p| p.created_at)
                    .unwrap_or(now_ms - 5 * 365 * DAY_MS);
                let trial_possible = matches!(level, Reseller | EndCustomer);
                if trial_possible && r.chance(0.08) {
                    // A recent trial: about half still running, the rest expired or converted.
                    c.created_at = r.range(parent_created.max(now_ms - 60 * DAY_MS), now_ms);
                    c.trial_expires_at = Some(c.created_at + TRIAL_MILLIS);
                    if c.created_at + TRIAL_MILLIS < now_ms && r.chance(0.3) {
                        c.converted_at = Some(r.range(c.created_at, c.created_at + TRIAL_MILLIS));
                    }
                } else {
                    c.created_at = r.range(parent_created, now_ms - DAY_MS);
                }
                if matches!(level, EndCustomer | Reseller) && r.chance(0.3) {
                    c.customer_reference = Some(format!("ERP-{:07}", r.below(10_000_000)));
                }
                c.contact_count = match level {
                    Site => r.below(2) as u32,
                    _ => 1 + r.below(4) as u32,
                };
                let index = self.customers.len();
                if level != Site {
                    pools[level.rank() as usize].push(index, &mut rng);
                }
                self.customers.push(c);
            }
        }
        self.spread_devices(devices, seed);
        Ok(())
    }

    /// Shares `devices` out unevenly: end-customers and sites hold them (some none, some many),
    /// with a few resellers backing up their own machines.
    fn spread_devices(&mut self, devices: u64, seed: u64) {
        let mut weights: Vec<(usize, f64)> = Vec::new();
        for (i, c) in self.customers.iter().enumerate() {
            let mut r = Rng::for_item(seed, stream::DEVICES, u64::from(c.index) ^ (1 << 40));
            let weight = match c.level {
                CustomerLevel::EndCustomer | CustomerLevel::Site if r.chance(0.8) => {
                    1.0 / (r.unit() + 0.02)
                }
                CustomerLevel::Reseller if r.chance(0.1) => 0.5,
                _ => 0.0,
            };
            if weight > 0.0 {
                weights.push((i, weight));
            }
        }
        if weights.is_empty() {
            weights = (0..self.customers.len()).map(|i| (i, 1.0)).collect();
        }
        let sum: f64 = weights.iter().map(|w| w.1).sum();
        let mut given = 0_u64;
        for &(i, w) in &weights {
            let n = (devices as f64 * w / sum).floor() as u64;
            self.customers[i].device_count = n as u32;
            given += n;
        }
        // The rounding remainder, one each, round the holders in order.
        let mut k = 0;
        while given < devices {
            self.customers[weights[k % weights.len()].0].device_count += 1;
            given += 1;
            k += 1;
        }
    }

    /// Numbers contacts and devices, and sums every maintained count bottom-up.
    fn assign_ids_and_sum(&mut self) {
        let mut next_contact = self.base.last_contact_id + 1;
        let mut next_device = self.base.last_device_id + 1;
        for i in 0..self.customers.len() {
            let (count, bytes) = {
                let c = &self.customers[i];
                let devices = self.devices_with_first_id(c, next_device);
                (
                    devices.len() as i64,
                    devices.iter().map(|d| d.used_storage_bytes).sum::<i64>(),
                )
            };
            let c = &mut self.customers[i];
            c.first_contact_id = next_contact;
            next_contact += i64::from(c.contact_count);
            c.first_device_id = next_device;
            next_device += count;
            c.storage_used_bytes = bytes;
            c.subtree_device_count = count;
            c.subtree_storage_used_bytes = bytes;
        }
        self.contact_total = (next_contact - self.base.last_contact_id - 1) as u64;
        self.device_total = (next_device - self.base.last_device_id - 1) as u64;
        // Children come after their parents, so one backwards pass sums every subtree.
        let first_id = self.base.last_customer_id + 1;
        for i in (0..self.customers.len()).rev() {
            let c = &self.customers[i];
            let (parent_id, descendants, devices, bytes) = (
                c.parent_id,
                c.descendant_count + 1,
                c.subtree_device_count,
                c.subtree_storage_used_bytes,
            );
            if parent_id == self.base.root_id {
                self.root_child_count += 1;
                self.root_descendant_count += descendants;
                self.root_subtree_device_count += devices;
                self.root_subtree_storage_used_bytes += bytes;
            } else {
                let p = &mut self.customers[(parent_id - first_id) as usize];
                p.child_count += 1;
                p.descendant_count += descendants;
                p.subtree_device_count += devices;
                p.subtree_storage_used_bytes += bytes;
            }
        }
    }

    /// The contacts of `c`, ids included.
    pub fn contacts(&self, c: &Customer) -> Vec<Contact> {
        let mut out = Vec::with_capacity(c.contact_count as usize);
        match self.shape {
            Shape::Anchor { .. } => {
                let n = i64::from(c.index) + 1;
                for k in 1..=i64::from(c.contact_count) {
                    out.push(Contact {
                        id: c.first_contact_id + k - 1,
                        // Shown as "Contact k of n", the anchor's name.
                        first_name: format!("Contact {k}"),
                        last_name: format!("of {n}"),
                        title: None,
                        email: format!("c{k}.{n}@example.com"),
                        phone: format!("+49 30 {:07}", n * 3 + k),
                        roles: String::new(),
                    });
                }
            }
            Shape::Realistic { seed, .. } => {
                let mut r = Rng::for_item(seed, stream::CONTACTS, u64::from(c.index));
                let domain = domain_of(&c.name);
                for k in 0..c.contact_count {
                    let first = *r.pick(FIRST_NAMES);
                    let last = *r.pick(LAST_NAMES);
                    let roles: &[ContactRole] = if k == 0 {
                        &[ContactRole::AuthorizedSigner, ContactRole::Administrative]
                    } else {
                        std::slice::from_ref(r.pick(&[
                            ContactRole::Technical,
                            ContactRole::Sales,
                            ContactRole::Billing,
                        ]))
                    };
                    out.push(Contact {
                        id: c.first_contact_id + i64::from(k),
                        first_name: first.to_owned(),
                        last_name: last.to_owned(),
                        title: Some(*r.pick(TITLES)),
                        email: format!(
                            "{}.{}@{domain}",
                            first.to_ascii_lowercase(),
                            last.to_ascii_lowercase()
                        ),
                        phone: format!(
                            "+{} {} {:07}",
                            dialling_code(c.device_country),
                            r.range(20, 99),
                            r.below(10_000_000)
                        ),
                        roles: ContactRole::encode_list(roles),
                    });
                }
            }
        }
        out
    }

    /// The devices of `c`, ids included.
    pub fn devices(&self, c: &Customer) -> Vec<Device> {
        self.devices_with_first_id(c, c.first_device_id)
    }

    fn devices_with_first_id(&self, c: &Customer, first_id: i64) -> Vec<Device> {
        let mut out = Vec::with_capacity(c.device_count as usize);
        match self.shape {
            Shape::Anchor { .. } => {
                let n = i64::from(c.index) + 1;
                for k in 1..=i64::from(c.device_count) {
                    out.push(Device {
                        id: first_id + k - 1,
                        name: format!("dev-{n}-{k}"),
                        kind: DEVICE_KINDS[((n + k) % DEVICE_KINDS.len() as i64) as usize],
                        // 1 to 200 GiB, from the position alone.
                        used_storage_bytes: (1 + (n * 31 + k * 17) % 200) << 30,
                        created_at: c.created_at + k * MINUTE_MS,
                        last_backup_at: Some(c.created_at + k * MINUTE_MS + DAY_MS),
                    });
                }
            }
            Shape::Realistic { seed, now_ms, .. } => {
                let mut r = Rng::for_item(seed, stream::DEVICES, u64::from(c.index));
                for k in 1..=c.device_count {
                    let kind_index = r.below(DEVICE_KINDS.len() as u64) as usize;
                    let prefix = ["SRV", "WS", "LNX", "MAC", "M365", "VM"][kind_index];
                    // Log-uniform from 256 MiB to 512 GiB: mostly small, a few large.
                    let exponent = r.range(28, 39);
                    let bytes = (1_i64 << exponent) + r.range(0, 1_i64 << exponent);
                    let created_at = r.range(c.created_at, now_ms);
                    let last_backup_at = if r.chance(0.05) {
                        None
                    } else if r.chance(0.1) {
                        Some(r.range(created_at, now_ms).min(now_ms - 3 * DAY_MS))
                    } else {
                        Some(now_ms - r.range(0, DAY_MS))
                    };
                    out.push(Device {
                        id: first_id + i64::from(k) - 1,
                        name: format!("{prefix}-{k:05}"),
                        kind: DEVICE_KINDS[kind_index],
                        used_storage_bytes: bytes,
                        created_at,
                        last_backup_at: last_backup_at.map(|t| t.max(created_at)),
                    });
                }
            }
        }
        out
    }

    /// The communication activities of `c` (a few customers only, past and upcoming).
    pub fn activities(&self, c: &Customer) -> Vec<Activity> {
        let Shape::Realistic { seed, now_ms, .. } = self.shape else {
            return Vec::new();
        };
        let mut r = Rng::for_item(seed, stream::ACTIVITIES, u64::from(c.index));
        if c.level == CustomerLevel::Site || !r.chance(0.06) {
            return Vec::new();
        }
        let count = 1 + r.below(3);
        (0..count)
            .map(|_| {
                let (kind, subject, notes) = *r.pick(ACTIVITY_TEMPLATES);
                let occurs_at = now_ms + r.range(-90 * DAY_MS, 30 * DAY_MS);
                let occurs_at = occurs_at.max(c.created_at);
                let contact_id = (c.contact_count > 0 && r.chance(0.7))
                    .then(|| c.first_contact_id + r.below(u64::from(c.contact_count)) as i64);
                Activity {
                    kind,
                    subject,
                    notes,
                    occurs_at,
                    contact_id,
                    created_at: occurs_at.min(now_ms).max(c.created_at),
                }
            })
            .collect()
    }

    /// The own branding of `c`, if it has one (some resellers and distributors).
    pub fn branding(&self, c: &Customer) -> Option<Branding> {
        let Shape::Realistic { seed, .. } = self.shape else {
            return None;
        };
        let mut r = Rng::for_item(seed, stream::BRANDING, u64::from(c.index));
        let p = match c.level {
            CustomerLevel::Distributor => 0.3,
            CustomerLevel::SubDistributor => 0.2,
            CustomerLevel::Reseller => 0.15,
            _ => 0.0,
        };
        if !r.chance(p) {
            return None;
        }
        let mut colour = || format!("#{:06X}", r.below(0x100_0000));
        Some(Branding {
            display_name: c.name.clone(),
            primary_color: colour(),
            accent_color: colour(),
            background_color: "#FFFFFF".into(),
            sender_email: format!("backup@{}", domain_of(&c.name)),
        })
    }

    /// The author of generated activities.
    pub fn admin_user_id(&self) -> i64 {
        self.base.admin_user_id
    }
}

/// How many customers of each level below the root (distributor … site) make `total`.
fn level_counts(total: u32) -> [u32; 5] {
    let share = |permille: u32| ((u64::from(total) * u64::from(permille)) / 1000) as u32;
    let distributors = share(2).max(1).min(total);
    let subs = share(18).min(total - distributors);
    let resellers = share(100)
        .max(u32::from(total >= 3))
        .min(total - distributors - subs);
    let sites = share(150).min(total - distributors - subs - resellers);
    let end_customers = total - distributors - subs - resellers - sites;
    [distributors, subs, resellers, end_customers, sites]
}

/// Candidate parents of one level, with cumulative weights for weighted picks.
#[derive(Clone, Debug, Default)]
struct Pool {
    members: Vec<usize>,
    cumulative: Vec<f64>,
}

impl Pool {
    fn push(&mut self, index: usize, rng: &mut Rng) {
        // Heavy-tailed: most partners are small, a few very large.
        let weight = 1.0 / (rng.unit() + 0.05);
        let total = self.cumulative.last().copied().unwrap_or(0.0) + weight;
        self.members.push(index);
        self.cumulative.push(total);
    }

    fn pick(&self, rng: &mut Rng) -> Option<usize> {
        let total = *self.cumulative.last()?;
        let target = rng.unit() * total;
        let at = self.cumulative.partition_point(|&c| c <= target);
        Some(self.members[at.min(self.members.len() - 1)])
    }
}

/// The parent of a new customer of `level`: mostly the next level up, sometimes a skipped
/// level, a few directly under the root (DOMAIN.md allows skipping levels).
fn choose_parent(rng: &mut Rng, level: CustomerLevel, pools: &[Pool]) -> Option<usize> {
    use CustomerLevel::*;
    let pool = |l: CustomerLevel| &pools[l.rank() as usize];
    let roll = rng.unit();
    let preferred: &[CustomerLevel] = match level {
        Root | Distributor => &[],
        SubDistributor => &[Distributor],
        Reseller if roll < 0.75 => &[SubDistributor, Distributor],
        Reseller => &[Distributor],
        EndCustomer if roll < 0.005 => &[],
        EndCustomer if roll < 0.93 => &[Reseller, SubDistributor, Distributor],
        EndCustomer if roll < 0.98 => &[SubDistributor, Reseller, Distributor],
        EndCustomer => &[Distributor],
        Site => &[EndCustomer],
    };
    preferred.iter().find_map(|&l| pool(l).pick(rng))
}

fn unique_name(
    r: &mut Rng,
    level: CustomerLevel,
    parent: Option<&Customer>,
    taken: &mut std::collections::HashSet<String>,
) -> String {
    use CustomerLevel::*;
    let base = match (level, parent) {
        (Site, Some(p)) => format!("{} ({})", p.name, r.pick(CITIES)),
        (EndCustomer, _) => format!(
            "{} {} {}",
            r.pick(LAST_NAMES),
            r.pick(BUSINESSES),
            r.pick(CITIES)
        ),
        _ => {
            let suffix = match level {
                Distributor => r.pick(&["Distribution", "Group", "Holding", "Wholesale"]),
                SubDistributor => r.pick(&["Partners", "Channel", "Networks", "Alliance"]),
                _ => r.pick(&["IT Solutions", "Systems", "Tech", "Managed Services", "IT"]),
            };
            format!("{}{} {}", r.pick(BRAND_HEADS), r.pick(BRAND_TAILS), suffix)
        }
    };
    let base: String = base.chars().take(110).collect();
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name_key(&name)) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

/// A mail domain for a company name (`Bluebyte IT` ⇒ `bluebyte-it.example.com`).
fn domain_of(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(50).collect();
    format!("{}.example.com", slug.trim_end_matches('-'))
}

/// Countries customers are in: those with a data center, and neighbours without one.
const COUNTRIES: &[&str] = &[
    "US", "US", "US", "GB", "GB", "DE", "DE", "DE", "NL", "FR", "FR", "IT", "CH", "NO", "CA", "AU",
    "BR", "ZA", "SE", "DK", "FI", "AT", "BE", "ES", "PT", "IE", "PL", "MX", "NZ", "AR", "JP",
];

fn pick_country(r: &mut Rng) -> &'static str {
    COUNTRIES[r.below(COUNTRIES.len() as u64) as usize]
}

/// Where customers of a country without its own data center usually store (nearest first).
fn nearby(country: &str) -> &'static [&'static str] {
    match country {
        "SE" | "DK" | "FI" => &["NO", "DE", "NL"],
        "AT" | "PL" => &["DE", "CH", "NL"],
        "BE" | "IE" => &["NL", "GB", "DE"],
        "ES" | "PT" => &["FR", "IT", "DE"],
        "MX" => &["US", "CA"],
        "AR" => &["BR", "US"],
        "NZ" | "JP" => &["AU", "US"],
        _ => &["US", "DE"],
    }
}

fn dialling_code(country: &str) -> u32 {
    match country {
        "US" | "CA" => 1,
        "GB" => 44,
        "DE" => 49,
        "NL" => 31,
        "FR" => 33,
        "IT" => 39,
        "CH" => 41,
        "NO" => 47,
        "AU" => 61,
        "BR" => 55,
        "ZA" => 27,
        "SE" => 46,
        "DK" => 45,
        "FI" => 358,
        "AT" => 43,
        "BE" => 32,
        "ES" => 34,
        "PT" => 351,
        "IE" => 353,
        "PL" => 48,
        "MX" => 52,
        "NZ" => 64,
        "AR" => 54,
        "JP" => 81,
        _ => 1,
    }
}

const BRAND_HEADS: &[&str] = &[
    "Blue", "North", "Summit", "Iron", "Silver", "Bright", "Clear", "Swift", "Red", "Green",
    "Atlas", "Nova", "Apex", "Polar", "Vertex", "Delta", "Orion", "Stone", "Oak", "River", "Cedar",
    "Falcon", "Harbor", "Pine", "Quantum", "Solid", "True", "Prime", "Core", "Star",
];
const BRAND_TAILS: &[&str] = &[
    "byte", "data", "cloud", "net", "secure", "logic", "ware", "stack", "vault", "bridge", "point",
    "works", "link", "gate", "line", "path", "shield", "wave", "core", "sys",
];
const BUSINESSES: &[&str] = &[
    "Dental",
    "Law Firm",
    "Bakery",
    "Architects",
    "Accounting",
    "Logistics",
    "Clinic",
    "Pharmacy",
    "Engineering",
    "Hotel",
    "Garage",
    "Insurance",
    "Printing",
    "Consulting",
    "Veterinary",
    "Construction",
    "School",
    "Brewery",
    "Opticians",
    "Real Estate",
];
const CITIES: &[&str] = &[
    "Berlin",
    "Hamburg",
    "Munich",
    "Cologne",
    "Paris",
    "Lyon",
    "London",
    "Leeds",
    "Amsterdam",
    "Utrecht",
    "Zurich",
    "Geneva",
    "Oslo",
    "Bergen",
    "Milan",
    "Rome",
    "Toronto",
    "Vancouver",
    "Sydney",
    "Perth",
    "Sao Paulo",
    "Cape Town",
    "Boston",
    "Denver",
    "Austin",
    "Seattle",
    "Stockholm",
    "Vienna",
    "Madrid",
    "Lisbon",
    "Dublin",
    "Warsaw",
    "Copenhagen",
    "Brussels",
    "Helsinki",
    "Auckland",
    "Osaka",
    "Monterrey",
    "Cordoba",
    "Chicago",
];
const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Hugo", "Ida", "Jonas", "Kim",
    "Lena", "Marc", "Nina", "Oscar", "Paula", "Quentin", "Rosa", "Sam", "Tara", "Umar", "Vera",
    "Will", "Xenia", "Yusuf", "Zoe", "Liam", "Mia", "Noah", "Olivia",
];
const LAST_NAMES: &[&str] = &[
    "Miller", "Schmidt", "Dubois", "Rossi", "Jansen", "Smith", "Johnson", "Weber", "Moreau",
    "Bianchi", "Larsen", "Hansen", "Novak", "Silva", "Kowalski", "Murphy", "Garcia", "Fischer",
    "Meyer", "Wagner", "Bakker", "Visser", "Brown", "Taylor", "Wilson", "Martin", "Bernard",
    "Nilsson", "Berg", "Keller", "Huber", "Costa", "Lopez", "Walsh", "Sato", "Tanaka", "Nguyen",
    "Evans", "Clarke", "Young",
];
const TITLES: &[&str] = &[
    "Managing Director",
    "IT Manager",
    "Office Manager",
    "System Administrator",
    "CFO",
    "Head of Operations",
];
const ACTIVITY_TEMPLATES: &[(ActivityKind, &str, Option<&str>)] = &[
    (
        ActivityKind::Call,
        "Quarterly check-in",
        Some("Backup success rate and open tickets."),
    ),
    (
        ActivityKind::Meeting,
        "Renewal meeting",
        Some("Discuss next year's volume."),
    ),
    (ActivityKind::Email, "Sent updated price list", None),
    (
        ActivityKind::Note,
        "Prefers contact by e-mail",
        Some("Not before 10:00."),
    ),
    (
        ActivityKind::Call,
        "Restore test follow-up",
        Some("Verify the last restore test passed."),
    ),
    (ActivityKind::Meeting, "Onboarding workshop", None),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Base {
        let dcs = [
            "US", "BR", "CA", "AU", "GB", "DE", "NL", "CH", "FR", "IT", "NO", "ZA",
        ];
        Base {
            root_id: 1,
            root_path: "/1/".into(),
            admin_user_id: 1,
            data_centers: dcs
                .iter()
                .map(|c| DataCenter {
                    code: (*c).into(),
                    country: (*c).into(),
                })
                .collect(),
            last_customer_id: 1,
            last_contact_id: 0,
            last_device_id: 0,
            last_activity_id: 0,
        }
    }

    fn anchor(fanout: &[u32]) -> Plan {
        Plan::build(
            Shape::Anchor {
                fanout: fanout.to_vec(),
                contacts: 3,
                devices_per_leaf: 5,
            },
            base(),
        )
        .unwrap()
    }

    fn realistic(customers: u32, devices: u64, seed: u64) -> Plan {
        Plan::build(
            Shape::Realistic {
                customers,
                devices,
                seed,
                now_ms: 1_780_000_000_000,
            },
            base(),
        )
        .unwrap()
    }

    #[test]
    fn splitmix_is_the_published_sequence() {
        // The reference output of SplitMix64 seeded with 0.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn the_anchor_shape_has_the_anchors_ids_names_and_counts() {
        let plan = anchor(&[10, 10, 10, 20]);
        assert_eq!(plan.customers.len(), 21_110);
        assert_eq!(plan.contact_total, 63_330);
        assert_eq!(plan.device_total, 100_000);
        // Anchor id n is Canopy id n + 1 (the root is 1).
        let by_anchor = |n: usize| &plan.customers[n - 1];
        assert_eq!(by_anchor(1).name, "Distributor 1");
        assert_eq!(by_anchor(1).id, 2);
        assert_eq!(by_anchor(11).name, "Sub-distributor 11");
        assert_eq!(by_anchor(11).parent_id, 2);
        assert_eq!(by_anchor(21).parent_id, 3, "sub 21 is under distributor 2");
        assert_eq!(by_anchor(111).name, "Reseller 111");
        assert_eq!(by_anchor(111).parent_id, 12);
        assert_eq!(by_anchor(1111).name, "End-customer 1111");
        assert_eq!(by_anchor(1111).parent_id, 112);
        assert_eq!(by_anchor(21_110).parent_id, 1111);
        assert_eq!(by_anchor(1111).path, "/1/2/12/112/1112/");
        assert_eq!(plan.root_child_count, 10);
        assert_eq!(plan.root_descendant_count, 21_110);
        assert_eq!(by_anchor(1).descendant_count, 2110);
        assert_eq!(by_anchor(1).subtree_device_count, 10_000);
        assert_eq!(by_anchor(111).child_count, 20);
        assert_eq!(plan.root_subtree_device_count, 100_000);
        // SQL arrays count from 1: `(ARRAY[…])[1 + id % 8]` is index `id % 8` here.
        let c = by_anchor(13);
        assert_eq!(c.device_country, "SE");
        assert_eq!(
            plan.storage_code(c),
            "NL",
            "SE has no data center: id % 3 = 1"
        );
        assert_eq!(by_anchor(7).device_country, "IT");
        assert_eq!(by_anchor(3).service_type, ServiceType::SoftwareOnly);
        assert_eq!(by_anchor(4).service_type, ServiceType::AllInclusive);
        assert!(by_anchor(14).trial_expires_at.is_some());
        assert!(by_anchor(13).trial_expires_at.is_none());
        assert_eq!(plan.storage_code(by_anchor(1)), "FR");
        let contacts = plan.contacts(by_anchor(5));
        assert_eq!(contacts[1].email, "c2.5@example.com");
        assert_eq!(contacts[1].phone, "+49 30 0000017");
        assert_eq!(contacts[0].id, 13);
        let devices = plan.devices(by_anchor(1111));
        assert_eq!(devices[4].name, "dev-1111-5");
        assert_eq!(devices[0].id, 1);
    }

    #[test]
    fn shorter_fanouts_make_their_deepest_level_the_leaves() {
        let plan = anchor(&[3, 2]);
        assert_eq!(plan.customers.len(), 9);
        assert_eq!(plan.device_total, 30);
        assert!(plan.customers[..3].iter().all(|c| c.device_count == 0));
    }

    #[test]
    fn realistic_plans_are_deterministic_and_keep_the_rules() {
        let a = realistic(3000, 20_000, 7);
        let b = realistic(3000, 20_000, 7);
        let c = realistic(3000, 20_000, 8);
        let key = |p: &Plan| {
            p.customers
                .iter()
                .map(|c| {
                    format!(
                        "{}|{}|{}|{}|{:?}",
                        c.name, c.path, c.device_country, c.device_count, c.trial_expires_at
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
        assert_eq!(a.customers.len(), 3000);
        assert_eq!(a.device_total, 20_000);
        let first = a.base.last_customer_id + 1;
        let mut names = std::collections::HashSet::new();
        for c in &a.customers {
            assert!(names.insert(name_key(&c.name)), "unique: {}", c.name);
            let parent_level = if c.parent_id == 1 {
                CustomerLevel::Root
            } else {
                a.customers[(c.parent_id - first) as usize].level
            };
            assert!(c.level.may_be_child_of(parent_level), "{}", c.name);
            let dc = &a.data_centers[usize::from(c.storage)];
            if a.data_centers.iter().any(|d| d.country == c.device_country) {
                assert_eq!(dc.country, c.device_country);
            }
            if let Some(t) = c.trial_expires_at {
                assert_eq!(t, c.created_at + TRIAL_MILLIS);
            }
        }
        let levels = |l| a.customers.iter().filter(|c| c.level == l).count();
        assert!(levels(CustomerLevel::Site) > 0 && levels(CustomerLevel::Distributor) > 0);
        assert!(a.customers.iter().any(|c| c.device_count == 0));
        assert!(a.customers.iter().any(|c| c.device_count > 100));
        assert!(a.customers.iter().any(|c| a.branding(c).is_some()));
        assert!(a.customers.iter().any(|c| !a.activities(c).is_empty()));
    }

    #[test]
    fn tiny_realistic_trees_still_work() {
        for n in 1..8 {
            let plan = realistic(n, 3, 1);
            assert_eq!(plan.customers.len(), n as usize);
            assert_eq!(plan.device_total, 3);
        }
    }

    #[test]
    fn domains_are_slugs() {
        assert_eq!(
            domain_of("Bluebyte IT Solutions"),
            "bluebyte-it-solutions.example.com"
        );
        assert_eq!(domain_of("Miller & Sons"), "miller-sons.example.com");
    }
}

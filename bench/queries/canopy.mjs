// The anchor's three read shapes (../shared/anchors/queries.postgraphile.mjs) written against
// Canopy's schema — same nodes, same fields — plus the shapes PostGraphile has no equivalent
// for: a subtree search and a write mix.
//
// `setup` signs in (CANOPY_BENCH_CUSTOMER / _USER / _PASSWORD, defaults "My Company", "admin",
// "bench-password-1") and looks up what the shapes pick from at random: the distributors, the
// cursors of the first 20 pages of end-customers, the resellers. It relies only on the seed's
// order (`canopy seed --fanout …` inserts in the anchor's id order, so creation order is the
// anchor's `ROW_ID_ASC`), never on row ids.
const rnd = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1));
const pick = (xs) => xs[rnd(0, xs.length - 1)];

const env = (k, d) => process.env[k] ?? d;
let distributors = [], pageCursors = [], everyone = [], resellerPairs = [];

async function gql(url, headers, query, variables = {}) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }) });
  const body = await r.json();
  if (body.errors) throw new Error(`setup: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data;
}

// Every ID of one level in creation order, a page of 500 at a time (up to `limit`).
async function idsAt(url, headers, level, limit, fields = 'id') {
  const out = [];
  let after = null;
  while (out.length < limit) {
    const d = await gql(url, headers, `query($l: CustomerLevel!, $a: String) {
      customers(levels: [$l], order: CREATED_AT, first: 500, after: $a) {
        nodes { ${fields} } pageInfo { hasNextPage endCursor } } }`, { l: level, a: after });
    out.push(...d.customers.nodes);
    if (!d.customers.pageInfo.hasNextPage) break;
    after = d.customers.pageInfo.endCursor;
  }
  return out.slice(0, limit);
}

export async function setup(url) {
  const signIn = await gql(url, {}, `mutation($c: String!, $u: String!, $p: String!) {
    signIn(customerName: $c, username: $u, password: $p) { token } }`,
  { c: env('CANOPY_BENCH_CUSTOMER', 'My Company'), u: env('CANOPY_BENCH_USER', 'admin'),
    p: env('CANOPY_BENCH_PASSWORD', 'bench-password-1') });
  const headers = { authorization: `Bearer ${signIn.signIn.token}` };

  distributors = (await idsAt(url, headers, 'DISTRIBUTOR', 10_000)).map((n) => n.id);
  // The anchor's page50 picks one of the first 20 pages by offset; a cursor API reaches the
  // same pages through the cursor that ends the page before.
  pageCursors = [null];
  let after = null;
  for (let page = 1; page < 20; page++) {
    const d = await gql(url, headers, `query($a: String) { customers(levels: [END_CUSTOMER],
      order: CREATED_AT, first: 50, after: $a) { pageInfo { endCursor } } }`, { a: after });
    after = d.customers.pageInfo.endCursor;
    pageCursors.push(after);
  }
  // byId picks any customer: a sample of every level, in proportion to the tree.
  for (const level of ['DISTRIBUTOR', 'SUB_DISTRIBUTOR', 'RESELLER', 'END_CUSTOMER']) {
    everyone.push(...(await idsAt(url, headers, level, 2_000)).map((n) => n.id));
  }
  // Writes create an end-customer under one reseller and move it to another that sells the
  // same service types, so every move is allowed.
  const resellers = await idsAt(url, headers, 'RESELLER', 200, 'id childServiceTypes deviceCountry { code }');
  const groups = new Map();
  for (const r of resellers) {
    const key = [...r.childServiceTypes].sort().join(',');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const group of groups.values()) {
    for (let i = 0; i + 1 < group.length; i += 2) resellerPairs.push([group[i], group[i + 1]]);
  }
  if (!distributors.length || !resellerPairs.length) throw new Error('setup: the database holds no seeded tree');
  return headers;
}

let serial = 0;
const runTag = Date.now().toString(36);

export default [
  { name: 'tree3', // 1 distributor + 3 levels of children (2,111 nodes in the anchor's shape)
    query: `query Tree($id: ID!) { customer(id: $id) { id name
  children(first: 500) { nodes { id name children(first: 500) { nodes { id name
    children(first: 500) { nodes { id name } } } } } } } }`,
    vars: () => ({ id: pick(distributors) }) },
  { name: 'page50', // 50 end-customers + contacts + device count; one of the first 20 pages
    query: `query Page($after: String) { customers(levels: [END_CUSTOMER], order: CREATED_AT,
  first: 50, after: $after) { nodes { id name deviceCountry { code } serviceType state
    contacts { id firstName lastName email phone } deviceCount }
  pageInfo { hasNextPage } } }`,
    vars: () => ({ after: pick(pageCursors) }) },
  { name: 'byId', // any customer
    query: `query One($id: ID!) { customer(id: $id) { id parent { id } name level
  serviceType deviceCountry { code } storageLocation { code } state trialExpiresAt createdAt } }`,
    vars: () => ({ id: pick(everyone) }) },
  { name: 'search', // a name fragment over the caller's whole subtree, first page and total
    query: `query Search($s: String!) { customers(search: $s, first: 50) { totalCount
  nodes { id name level state } } }`,
    vars: () => ({ s: `${rnd(1, 999)}7` }) },
  { name: 'writes', // per connection: create, rename, move, remove — each its own request
    steps: [
      { query: `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id version } }`,
        vars: (c) => {
          c.pair = pick(resellerPairs);
          c.name = `Bench ${runTag} ${++serial}`;
          return { in: { parentId: c.pair[0].id, name: c.name, level: 'END_CUSTOMER',
            serviceType: c.pair[0].childServiceTypes[0], deviceCountry: 'DE' } };
        },
        read: (d, c) => { c.id = d?.createCustomer?.id; } },
      { query: `mutation($id: ID!, $name: String!) { updateCustomer(id: $id, input: { name: $name }) { id } }`,
        vars: (c) => ({ id: c.id, name: `${c.name} renamed` }) },
      { query: `mutation($id: ID!, $to: ID!) { moveCustomer(id: $id, newParentId: $to) { id } }`,
        vars: (c) => ({ id: c.id, to: c.pair[1].id }) },
      { query: `mutation($id: ID!) { removeCustomer(id: $id) }`,
        vars: (c) => ({ id: c.id }) },
    ] },
];

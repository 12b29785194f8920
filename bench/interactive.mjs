// Is every query the console makes still interactive on a big tree? One request at a time (no
// load), each query five times, the median and the slowest reported. Run against a seeded
// server, e.g. after `bench/run --size 1m` left target/bench/canopy-1m.db:
//
//   canopy serve --database sqlite://target/bench/canopy-1m.db --listen 127.0.0.1:18080 &
//   CANOPY_BENCH_PASSWORD=bench-password-1 node bench/interactive.mjs --url http://127.0.0.1:18080/graphql
const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf(`--${k}`); return i >= 0 ? argv[i + 1] : d; };
const url = opt('url', 'http://127.0.0.1:18080/graphql');
const env = (k, d) => process.env[k] ?? d;
let headers = { 'content-type': 'application/json' };

async function gql(query, variables = {}) {
  const started = performance.now();
  const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await r.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 300));
  return { data: body.data, ms: performance.now() - started };
}

const { data: signIn } = await gql(`mutation($c: String!, $u: String!, $p: String!) {
  signIn(customerName: $c, username: $u, password: $p) { token } }`,
{ c: env('CANOPY_BENCH_CUSTOMER', 'My Company'), u: env('CANOPY_BENCH_USER', 'admin'),
  p: env('CANOPY_BENCH_PASSWORD', 'bench-password-1') });
headers = { ...headers, authorization: `Bearer ${signIn.signIn.token}` };
const first = async (level) => (await gql(`query($l: CustomerLevel!) {
  customers(levels: [$l], first: 1) { nodes { id } } }`, { l: level })).data.customers.nodes[0].id;
const distributor = await first('DISTRIBUTOR');
const endCustomer = await first('END_CUSTOMER');

// The queries the app's screens send (frontend/src/api), in their shapes.
const ROW = 'id name level state trialExpiresAt childCount deviceCount(includeDescendants: true)';
const checks = [
  ['tree: the root and its first 50 children', `{ root { ${ROW} children(first: 50) {
    totalCount nodes { ${ROW} } pageInfo { hasNextPage endCursor } } } }`, {}],
  ['tree: expand a distributor', `query($id: ID!) { customer(id: $id) { children(first: 50) {
    nodes { ${ROW} } pageInfo { hasNextPage endCursor } } } }`, { id: distributor }],
  ['search the whole tree by name', `{ customers(search: "customer 99", first: 50) {
    totalCount nodes { ${ROW} } } }`, {}],
  ['filter the whole tree: resellers and end-customers in trial', `{ customers(levels: [RESELLER, END_CUSTOMER],
    states: [IN_TRIAL, TRIAL_EXPIRED], first: 50) { totalCount nodes { ${ROW} } } }`, {}],
  ['breadcrumb and details of an end-customer', `query($id: ID!) { customer(id: $id) { ${ROW}
    ancestors { id name } profile { legalName } contacts { id lastName email }
    activities { id subject timing } } }`, { id: endCustomer }],
  ['subtree device count and storage of a distributor', `query($id: ID!) { customer(id: $id) {
    deviceCount(includeDescendants: true) storageUsedBytes(includeDescendants: true) } }`, { id: distributor }],
  ['devices of a distributor and its subtree, first page', `query($id: ID!) { customer(id: $id) {
    devices(first: 50, includeDescendants: true) { totalCount nodes { id name storageLocation { code }
    customer { name } } } } }`, { id: distributor }],
  ['effective branding of an end-customer', `query($id: ID!) { customer(id: $id) {
    effectiveBranding { displayName primaryColor senderEmail inheritedFrom { name } } } }`, { id: endCustomer }],
  ['audit history, first page', `{ auditLog(first: 50) { totalCount nodes { id } } }`, {}],
];

console.log(`| query | median ms | slowest ms |\n|---|---|---|`);
for (const [name, query, vars] of checks) {
  const times = [];
  for (let i = 0; i < 5; i++) times.push((await gql(query, vars)).ms);
  times.sort((a, b) => a - b);
  console.log(`| ${name} | ${times[2].toFixed(1)} | ${times[4].toFixed(1)} |`);
}

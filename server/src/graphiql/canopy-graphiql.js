// Canopy's GraphiQL page: signs in through the API, sends the session token with every
// request (HTTP header and WebSocket connection_init payload), and shows it in the header
// editor. Loaded from the server itself, like GraphiQL (no inline script, no CDN).
(function () {
  'use strict';
  var TOKEN_KEY = 'canopy.graphiql.token';
  var endpoint = new URL('/graphql', window.location.href).toString();
  var wsEndpoint = endpoint.replace(/^http/, 'ws');
  // The tab's session storage: the token goes away with the tab.
  var token = window.sessionStorage.getItem(TOKEN_KEY) || '';
  var who = window.sessionStorage.getItem(TOKEN_KEY + '.who') || '';
  var wsClient = null;

  var DEFAULT_QUERY = [
    '# Welcome to the Canopy API. Sign in above, or put',
    '# {"Authorization": "Bearer <token>"} in the Headers tab.',
    '# The Docs panel describes every type and field.',
    '',
    'query MyTree {',
    '  me { username role customer { name } }',
    '  root {',
    '    name',
    '    level',
    '    children(first: 10) {',
    '      totalCount',
    '      nodes { id name level state }',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');

  function authHeaders() {
    return token ? { Authorization: 'Bearer ' + token } : {};
  }

  function post(query, variables) {
    return fetch(endpoint, {
      method: 'POST',
      headers: Object.assign({
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json'
      }, authHeaders()),
      body: JSON.stringify({ query: query, variables: variables })
    }).then(function (res) { return res.json(); });
  }

  function status(text, isError) {
    var el = document.getElementById('canopy-status');
    el.textContent = text || '';
    el.className = isError ? 'error' : '';
  }

  function showSession() {
    document.getElementById('canopy-sign-in').hidden = !!token;
    document.getElementById('canopy-session').hidden = !token;
    document.getElementById('canopy-who').textContent = token ? 'Signed in as ' + who : '';
  }

  function fetcher() {
    if (wsClient) { wsClient.dispose(); }
    wsClient = graphqlWs.createClient({
      url: wsEndpoint,
      lazy: true,
      connectionParams: function () { return authHeaders(); }
    });
    return GraphiQL.createFetcher({ url: endpoint, headers: authHeaders(), wsClient: wsClient });
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  function render() {
    showSession();
    root.render(React.createElement(GraphiQL, {
      key: token || 'anonymous',
      fetcher: fetcher(),
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: token ? JSON.stringify(authHeaders(), null, 2) : '{}',
      defaultEditorToolsVisibility: token ? 'headers' : false,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    }));
  }

  document.getElementById('canopy-sign-in').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    status('Signing in…');
    post(
      'mutation SignIn($c: String!, $u: String!, $p: String!) { signIn(customerName: $c, username: $u, password: $p) { token user { username customer { name } } } }',
      { c: form.customer.value, u: form.username.value, p: form.password.value }
    ).then(function (body) {
      if (body.errors && body.errors.length) { status(body.errors[0].message, true); return; }
      var session = body.data.signIn;
      token = session.token;
      who = session.user.username + ' (' + session.user.customer.name + ')';
      window.sessionStorage.setItem(TOKEN_KEY, token);
      window.sessionStorage.setItem(TOKEN_KEY + '.who', who);
      form.password.value = '';
      status('');
      render();
    }).catch(function (err) { status('Sign-in failed: ' + err.message, true); });
  });

  document.getElementById('canopy-sign-out').addEventListener('click', function () {
    var done = function () {
      token = ''; who = '';
      window.sessionStorage.removeItem(TOKEN_KEY);
      window.sessionStorage.removeItem(TOKEN_KEY + '.who');
      status('Signed out.');
      render();
    };
    post('mutation SignOut { signOut }', {}).then(done, done);
  });

  render();
})();

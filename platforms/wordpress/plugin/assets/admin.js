/**
 * Cloudinary Connector's admin screens:
 * - Settings > Cloudinary: checks the transformation with the plugin's own grammar
 *   (checkTransformation() of the WebAssembly package) before the form is saved, checks that the
 *   signer answers, and lists the accounts it offers this administrator (GET /v1/accounts with
 *   the administrator's token), each problem as a WordPress admin notice;
 * - Plugins: asks, when the administrator deactivates the plugin, whether deleting it later
 *   should keep its data (as Cloudinary's own WordPress plugin does).
 */
(function (wp, cfg) {
  'use strict';
  if (!wp || !cfg) return;
  var NS = '/' + cfg.namespace;

  function notice(box, level, text, id) {
    var old = id && document.getElementById(id);
    if (old) old.remove();
    var div = document.createElement('div');
    div.className = 'notice notice-' + level + (id ? ' ' + id : '');
    if (id) div.id = id;
    var p = document.createElement('p');
    p.textContent = text;
    div.append(p);
    box.append(div);
    return div;
  }

  function settingsPage() {
    var box = document.getElementById('cldc-settings-notices');
    var form = document.getElementById('cldc-settings-form');
    var list = document.getElementById('cldc-signer-accounts');
    if (!box || !form) return;
    // The plugin's own grammar checks the transformation; if the module cannot load (a CSP without
    // wasm-unsafe-eval, a blocked file), the form is still saved and WordPress checks the basics.
    var mod = import(cfg.pkgUrl).then(function (m) { return Promise.resolve(m.default()).then(function () { return m; }); })
      .catch(function (e) { console.warn('[Cloudinary] the transformation check is unavailable: ' + e.message); return null; });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var tx = document.getElementById('cldc-default-transformation').value.trim();
      mod.then(function (m) {
        if (tx && m) m.checkTransformation(tx);
        // The form's own submit(): the button named "submit" shadows form.submit.
        HTMLFormElement.prototype.submit.call(form);
      }).catch(function (err) {
        notice(box, 'error', 'Default transformation: ' + err.message + '. The settings were not saved.', 'cldc-notice-transformation');
      });
    });
    if (!cfg.signerUrl) return;
    var signer = cfg.signerUrl.replace(/\/$/, '');
    fetch(signer + '/v1/health').then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return wp.apiFetch({ path: NS + '/token', method: 'POST' });
    }, function (err) {
      throw new Error('the signer at ' + signer + ' does not answer (' + err.message + ')');
    }).then(function (t) {
      return fetch(signer + '/v1/accounts', { headers: { authorization: 'Bearer ' + t.token } }).then(function (r) {
        return r.json().then(function (body) {
          // The signer's errors are {error: {code, message, rule?}} (docs/signer.md#errors).
          var why = body && body.error && typeof body.error.message === 'string' ? body.error.message : 'HTTP ' + r.status;
          if (!r.ok) throw new Error('the signer refused this site\'s token (' + r.status + '): ' + why + '. Check that it holds the public key of CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE.');
          return body;
        });
      });
    }).then(function (body) {
      notice(box, 'success', 'The signer at ' + signer + ' answers and accepts this site\'s tokens.', 'cldc-notice-signer');
      var table = document.createElement('table');
      table.className = 'widefat striped';
      table.innerHTML = '<thead><tr><th>Account id</th><th>Label</th><th>Cloud name</th><th>Your role</th></tr></thead>';
      var tbody = document.createElement('tbody');
      (body.accounts || []).forEach(function (a) {
        var tr = document.createElement('tr');
        [a.id, a.label, a.cloud_name, a.role].forEach(function (v) { var td = document.createElement('td'); td.textContent = v == null ? '' : String(v); tr.append(td); });
        tbody.append(tr);
      });
      table.append(tbody);
      list.replaceChildren(table);
      var missing = cfg.accounts.filter(function (id) { return !(body.accounts || []).some(function (a) { return a.id === id; }); });
      if (missing.length) notice(box, 'warning', 'The signer has no account ' + missing.join(', ') + ': users get no role there.', 'cldc-notice-missing');
    }).catch(function (err) {
      notice(box, 'error', 'Cloudinary signer: ' + ((err && err.message) || err), 'cldc-notice-signer');
    });
  }

  function pluginsPage() {
    var row = document.querySelector('tr[data-plugin="' + cfg.plugin + '"] .deactivate a');
    if (!row) return;
    row.addEventListener('click', function (e) {
      e.preventDefault();
      var href = row.href;
      var d = document.createElement('dialog');
      d.id = 'cldc-deactivate-dialog';
      d.innerHTML = '<h2>Deactivate Cloudinary Connector</h2>' +
        '<p>Posts keep their Cloudinary images either way. When you later delete the plugin, should WordPress keep its settings and your users\u2019 account choices?</p>' +
        '<div class="buttons"><button type="button" class="button button-primary cldc-keep">Keep data</button>' +
        '<button type="button" class="button cldc-remove">Remove all data on delete</button>' +
        '<button type="button" class="button-link cldc-cancel">Cancel</button></div>';
      document.body.append(d);
      function choose(keep) {
        wp.apiFetch({ path: NS + '/keep-data', method: 'POST', data: { keep: keep } }).then(function () {
          location.href = href;
        }, function (err) {
          d.remove();
          alert('Cloudinary Connector could not record your choice: ' + err.message);
        });
      }
      d.querySelector('.cldc-keep').addEventListener('click', function () { choose(true); });
      d.querySelector('.cldc-remove').addEventListener('click', function () { choose(false); });
      d.querySelector('.cldc-cancel').addEventListener('click', function () { d.close(); d.remove(); });
      d.showModal();
    });
  }

  if (cfg.page === 'settings') settingsPage(); else pluginsPage();
})(window.wp, window.cloudinaryConnectorAdmin);

// Popup login on the home page. /auth/client.js (served by stackExchangeAuth()) defines
// StackExchangeLogin; the token never reaches this page, only the person's public details.
(function () {
  'use strict';
  var button = document.getElementById('login-popup');
  var form = document.getElementById('login-form');
  if (!button || !form || !window.StackExchangeLogin) return;

  var status = document.getElementById('popup-status');
  var result = document.getElementById('popup-result');
  var messages = {
    access_denied: 'You declined access',
    popup_closed: 'The login window was closed before the login finished',
    popup_blocked: 'The browser blocked the login window',
  };

  function show(text, isError) {
    status.textContent = text;
    status.className = isError ? 'status error' : 'status';
    status.hidden = false;
  }

  function chosenScopes() {
    var boxes = form.querySelectorAll('input[name="scope"]:checked');
    return Array.prototype.map.call(boxes, function (box) { return box.value; });
  }

  // Stack Exchange sends site names HTML-encoded (e.g. `Arts &amp; Crafts`); DOMParser decodes without running anything.
  function decode(text) {
    return new DOMParser().parseFromString(String(text), 'text/html').documentElement.textContent;
  }

  function expiryText(value) {
    if (value === null || value === undefined) return 'never (no_expiry)';
    var date = new Date(value);
    return isNaN(date.getTime()) ? String(value) : date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  button.hidden = false;
  button.addEventListener('click', function () {
    button.disabled = true;
    show('Waiting for the Stack Exchange window…', false);
    window.StackExchangeLogin.authenticate({ scope: chosenScopes(), networkUsers: true }).then(
      function (login) {
        status.hidden = true;
        form.hidden = true;
        document.getElementById('popup-name').textContent = login.displayName;
        document.getElementById('popup-account').textContent = String(login.accountId);
        document.getElementById('popup-expiry').textContent = expiryText(login.expirationDate);
        var list = document.getElementById('popup-network');
        (login.networkUsers || []).forEach(function (account) {
          var li = document.createElement('li');
          li.textContent = decode(account.site_name) + ': ' + account.reputation + ' reputation';
          list.appendChild(li);
        });
        result.hidden = false;
      },
      function (error) {
        button.disabled = false;
        var name = (error && error.errorName) || 'login_failed';
        // errorMessage is the router's fixed text for the code (never the provider's), shown as text.
        var text = messages[name] || (error && typeof error.errorMessage === 'string' && error.errorMessage) || 'The login did not work';
        show(text.replace(/[.\s]+$/, '') + ' (' + name + ').', true);
        status.setAttribute('data-error', name);
      },
    );
  });
})();

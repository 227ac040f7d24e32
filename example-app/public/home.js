// Popup login on the home page. /auth/client.js (served by stackExchangeAuth()) defines
// StackExchangeLogin; the token never reaches this page, only the person's public details.
(function () {
  'use strict';
  var button = document.getElementById('login-popup');
  var form = document.getElementById('login-form');
  if (!button || !form || !window.StackExchangeLogin) return;

  var status = document.getElementById('popup-status');
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

  // Trailing dots and spaces off, by a loop: a `/[.\s]+$/` replace is quadratic on long runs of them.
  function withoutFinalStop(text) {
    var end = text.length;
    while (end > 0 && /[.\s]/.test(text.charAt(end - 1))) end -= 1;
    return text.slice(0, end);
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

  var numbers = new Intl.NumberFormat('en-US');

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // What only the popup's answer knows: the token's expiry and the reputation on every site.
  function details(login) {
    var box = element('div', { id: 'popup-result' });
    var line = element('p', {}, 'Logged in with a popup (account ');
    line.appendChild(element('span', { id: 'popup-account' }, String(login.accountId)));
    line.appendChild(document.createTextNode('); the token expires '));
    line.appendChild(element('span', { id: 'popup-expiry' }, expiryText(login.expirationDate)));
    line.appendChild(document.createTextNode('.'));
    box.appendChild(line);
    var list = element('ul', { id: 'popup-network' });
    (login.networkUsers || []).forEach(function (account) {
      list.appendChild(element('li', {}, decode(account.site_name) + ': ' + numbers.format(account.reputation) + ' reputation'));
    });
    box.appendChild(list);
    return box;
  }

  // The session now has the person: fetch the home page again and take its header navigation (name,
  // Profile, Inbox, Log out) and its summary card, so the page looks as after a redirect login.
  function showLoggedIn(login) {
    return fetch('/', { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        if (!response.ok) throw new Error('home answered ' + response.status);
        return response.text();
      })
      .then(function (text) {
        var next = new DOMParser().parseFromString(text, 'text/html');
        var nav = next.querySelector('header nav');
        var summary = next.querySelector('.user-summary');
        var card = document.getElementById('login');
        var currentNav = document.querySelector('header nav');
        if (!nav || !summary || !card || !currentNav) throw new Error('the home page shows nobody logged in');
        currentNav.replaceWith(document.importNode(nav, true));
        var fresh = document.importNode(summary, true);
        (fresh.querySelector('div') || fresh).appendChild(details(login));
        card.replaceWith(fresh);
      });
  }

  button.hidden = false;
  button.addEventListener('click', function () {
    button.disabled = true;
    show('Waiting for the Stack Exchange window…', false);
    window.StackExchangeLogin.authenticate({ scope: chosenScopes(), networkUsers: true }).then(
      function (login) {
        status.hidden = true;
        return showLoggedIn(login).catch(function () {
          // The login worked but the page could not be updated in place: load it afresh.
          window.location.reload();
        });
      },
      function (error) {
        button.disabled = false;
        var name = (error && error.errorName) || 'login_failed';
        // errorMessage is the router's fixed text for the code (never the provider's), shown as text.
        var text = messages[name] || (error && typeof error.errorMessage === 'string' && error.errorMessage) || 'The login did not work';
        show(withoutFinalStop(text) + ' (' + name + ').', true);
        status.setAttribute('data-error', name);
      },
    );
  });
})();

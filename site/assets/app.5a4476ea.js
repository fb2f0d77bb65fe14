// Shows which experiment variant this browser was assigned at the edge.
(function () {
  var m = document.cookie.match(/(?:^|; )tcdn-exp-home=([^;]+)/);
  if (m) {
    var p = document.createElement('p');
    p.className = 'variant';
    p.textContent = 'Experiment "home": variant ' + decodeURIComponent(m[1]);
    document.body.appendChild(p);
  }
})();

// Explore cards show their poster and play the animated preview while in view (on a phone)
// or under the pointer; previews out of view go back to the poster so they stop decoding.
(function () {
  function play(img) { if (img.dataset.preview && !img.dataset.playing) { img.dataset.playing = "1"; img.dataset.poster = img.src; img.src = img.dataset.preview; } }
  function stop(img) { if (img.dataset.playing) { delete img.dataset.playing; img.src = img.dataset.poster; } }
  function watch(root) {
    root.querySelectorAll("img[data-preview]:not([data-watched])").forEach(function (img) {
      img.dataset.watched = "1";
      img.addEventListener("mouseenter", function () { play(img); });
      // A work without a preview (older outputs): keep showing its poster.
      img.addEventListener("error", function () {
        if (img.dataset.playing) { stop(img); delete img.dataset.preview; if (observer) { observer.unobserve(img); } }
      });
      if (observer) { observer.observe(img); }
    });
  }
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting && e.intersectionRatio >= 0.6) { play(e.target); } else { stop(e.target); } });
  }, { threshold: [0, 0.6] }) : null;
  watch(document);
  document.body.addEventListener("htmx:afterSwap", function () { watch(document); });
})();

// The big screen: its 1920×1080 layout scaled to the window.
(function () {
  function fit() {
    var s = Math.min(innerWidth / 1920, innerHeight / 1080);
    document.getElementById("screen").style.transform = "scale(" + s + ")";
  }
  addEventListener("resize", fit);
  fit();
})();

// The public notice board's "use my position": fills the hidden form with the phone's position.
document.getElementById("locate").addEventListener("click", function () {
  navigator.geolocation.getCurrentPosition(function (p) {
    var f = document.getElementById("by-position");
    f.lon.value = p.coords.longitude; f.lat.value = p.coords.latitude; f.submit();
  });
});

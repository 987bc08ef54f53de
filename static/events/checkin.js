// Check-in at the door: where the browser can read QR codes (BarcodeDetector), a "Pindai QR" button opens the camera
// and submits the code it reads; everywhere else the code is typed. The page works without this file.
(function () {
  "use strict";
  var button = document.getElementById("checkin-camera");
  var video = document.getElementById("checkin-video");
  var form = document.getElementById("checkin-form");
  if (!button || !video || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (track) { track.stop(); });
            document.getElementById("checkin-kode").value = codes[0].rawValue;
            document.getElementById("checkin-scanned").value = "1";
            form.submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }).catch(function () { window.requestAnimationFrame(look); });
      };
      look();
    });
  });
})();

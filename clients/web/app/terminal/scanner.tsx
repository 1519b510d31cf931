// Reading the household's payment code with the device's camera: frames from getUserMedia drawn
// to a canvas and decoded by jsQR a few times a second, until a payment code is seen. The camera
// is released as soon as a code is read or the scanner is closed.
import jsQR from 'jsqr';
import { useEffect, useRef, useState } from 'preact/hooks';

// Frames decoded per second: enough for a code held up to the camera, light on a cheap tablet.
const kScanEveryMs = 150;
// Frames are scaled to at most this width before decoding (a QR code fills much of the view).
const kDecodeWidthMax = 640;

export function Scanner(props: { onCode: (text: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    const scan = () => {
      const v = video.current;
      if (!v || v.readyState < 2 || !v.videoWidth) return;
      const scale = Math.min(1, kDecodeWidthMax / v.videoWidth);
      canvas.width = Math.round(v.videoWidth * scale);
      canvas.height = Math.round(v.videoHeight * scale);
      context.drawImage(v, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = jsQR(frame.data, frame.width, frame.height, {
        inversionAttempts: 'dontInvert',
      });
      if (found?.data) props.onCode(found.data);
    };
    navigator.mediaDevices
      ?.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then((s) => {
        if (stopped) return s.getTracks().forEach((t) => t.stop());
        stream = s;
        if (video.current) {
          video.current.srcObject = s;
          void video.current.play().catch(() => undefined);
        }
        timer = setInterval(scan, kScanEveryMs);
      })
      .catch(() =>
        setProblem('打不开相机。请允许这个网页使用相机，或者在下面输入付款码下方的文字。'),
      ) ?? setProblem('这台设备不能用相机扫码，请在下面输入付款码下方的文字。');
    return () => {
      stopped = true;
      clearInterval(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);
  return (
    <div class="scanner">
      {problem ? (
        <p class="banner problem" role="alert">
          {problem}
        </p>
      ) : (
        <>
          <video ref={video} muted playsInline aria-label="相机画面" />
          <p>请顾客把手机上的付款码对准相机。</p>
        </>
      )}
      <button type="button" class="quiet" onClick={props.onClose}>
        不扫了
      </button>
    </div>
  );
}

// The URL benchmarks' chained transformation (resize+gravity / effect / radius / f_auto / q_auto),
// as SDK options: a fresh object per call, as an application builds them.
export const chainedOptions = () => ({
  transformation: [
    { crop: 'fill', gravity: 'auto', width: 400, height: 300 },
    { effect: 'sepia' },
    { radius: 20 },
    { fetch_format: 'auto' },
    { quality: 'auto' },
  ],
});

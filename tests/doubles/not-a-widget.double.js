/* A script that loads but defines no widget API (the "wrong script URL" test). Never shipped. */
window.__cldNotAWidgetLoads = (window.__cldNotAWidgetLoads || 0) + 1;

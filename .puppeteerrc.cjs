// Puppeteer's own browser download cannot reach its servers here; whatsapp-web.js runs
// Debian's Chromium (/usr/bin/chromium) instead. See README (WhatsApp).
module.exports = { skipDownload: true };

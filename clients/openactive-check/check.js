// Walks Relier's OpenActive RPDE feeds with OpenActive's RPDE validator
// (@openactive/rpde-validator) and fails on any failure it reports. Warnings are printed; they
// are recommendations that a small feed cannot meet (pages of at least 500 items), and one
// that the validator raises on every feed: it first reads the last page as an ordinary page
// and expects the hour-long cache of one (it then reads it again as the last page, and checks
// the 8 seconds). REQUIRE_DELETED_ITEMS=1: a feed with no deleted item fails too.
// RELIER_BASE_URL: the served app (default http://127.0.0.1:8000).
const { RpdeValidator } = require('@openactive/rpde-validator');

const base = (process.env.RELIER_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
const feeds = ['session-series', 'scheduled-sessions'];

async function check(feed) {
  const url = `${base}/api/v1/openactive/${feed}`;
  const log = await RpdeValidator(url, { pageLimit: 50, timeoutMs: 30000 });
  let failures = 0;
  let pages = 0;
  for (const page of log.pages) {
    pages += 1;
    for (const error of page.errors) {
      const line = `${feed}: ${error.severity}: ${error.type}: ${error.message} (${page.url})`;
      const missingDeleted = error.type === 'no_deleted_items' && process.env.REQUIRE_DELETED_ITEMS === '1';
      if (error.severity === 'failure' || missingDeleted) {
        failures += 1;
        console.error(line);
      } else {
        console.log(line);
      }
    }
  }
  if (pages === 0) {
    console.error(`${feed}: the validator read no page of ${url}`);
    failures += 1;
  }
  console.log(`${feed}: ${pages} page(s) walked, ${failures} failure(s)`);
  return failures;
}

(async () => {
  let failures = 0;
  for (const feed of feeds) {
    failures += await check(feed);
  }
  process.exit(failures ? 1 : 0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * Issue 8: EDI invoices uploaded on /edi (dropped and picked), imported one task per file by
 * the real workers, followed live on the gauge to its end, with the bad files' reasons.
 * The files come from the backend's own generator (edi/testdata.py).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { expect, test } from './support/fixtures';
import { ADMIN, BACKEND_DIR, REPO_DIR } from './support/stack';

type Generated = { name: string; path: string; defect: string; reason: string; invoices: number; numbers: string[] };

const VALID = 10;
const INVALID = 2;
const TOTAL = VALID + INVALID;

declare global {
  interface Window {
    __e2eGauge?: number[];
  }
}

let dir = '';
let files: Generated[] = [];

test.beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'taskpulse-e2e-edi-'));
  const python = process.env.E2E_PYTHON ?? path.join(REPO_DIR, '.venv', 'bin', 'python');
  // A seed of its own: invoice numbers are unique per seed, so a database kept between runs
  // (E2E_DATABASE_URL) does not turn these into duplicates.
  const seed = 1000 + (Date.now() % 1_000_000);
  const script = `
import json, pathlib, sys
from edi.testdata import REASONS, generate_batch
out = pathlib.Path(sys.argv[1])
batch = generate_batch(${TOTAL}, invalid=${INVALID}, seed=${seed}, defects=("truncated", "bad_totals"))
manifest = []
for f in batch:
    (out / f.name).write_bytes(f.content)
    manifest.append({"name": f.name, "path": str(out / f.name), "defect": f.defect,
                     "reason": REASONS.get(f.defect, ""), "invoices": f.invoices, "numbers": list(f.numbers)})
print(json.dumps(manifest))
`;
  const output = execFileSync(python, ['-c', script, dir], { cwd: BACKEND_DIR, encoding: 'utf8', timeout: 60_000 });
  files = JSON.parse(output) as Generated[];
  expect(files).toHaveLength(TOTAL);
  expect(files.filter((file) => file.defect)).toHaveLength(INVALID);
});

test.afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('EDI files dropped and picked on /edi are imported live: the gauge reaches 12 of 12, 2 failed', async ({ page, login, snap }) => {
  await login(ADMIN.username, ADMIN.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'EDI' }).click();
  await expect(page).toHaveURL(/\/edi$/);
  await expect(page.getByRole('heading', { level: 1, name: 'EDI invoices' })).toBeVisible();
  await expect(page.getByText(/Up to \d+ files, at most .* each/)).toBeVisible();
  const upload = page.getByRole('region', { name: 'Upload invoice files' });
  const zone = upload.getByRole('group', { name: /Drop EDI invoice files here/ });

  // Two files dropped on the zone, as a file manager does.
  const dropped = files.slice(0, 2);
  const dataTransfer = await page.evaluateHandle(
    (items) => {
      const transfer = new DataTransfer();
      for (const item of items) {
        const bytes = Uint8Array.from(atob(item.base64), (char) => char.charCodeAt(0));
        transfer.items.add(new File([bytes], item.name, { type: 'application/octet-stream' }));
      }
      return transfer;
    },
    dropped.map((file) => ({ name: file.name, base64: readFileSync(file.path).toString('base64') })),
  );
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await expect(zone).toContainText('Release to add them');
  await expect(zone).toHaveClass(/edi-dropzone-over/);
  await zone.dispatchEvent('drop', { dataTransfer });
  await expect(upload.getByRole('heading', { name: /^2 files selected/ })).toBeVisible();

  // The others through the system picker, opened from the keyboard.
  const chooser = page.waitForEvent('filechooser');
  await upload.getByRole('button', { name: 'Choose files…' }).focus();
  await page.keyboard.press('Enter');
  await (await chooser).setFiles(files.slice(2).map((file) => file.path));
  const selected = upload.getByRole('list', { name: 'Selected files' }).getByRole('listitem');
  await expect(selected).toHaveCount(TOTAL);
  await snap('edi-files-selected');

  // Every state of the gauge's count, as rendered.
  await page.evaluate(() => {
    const seen: number[] = [];
    window.__e2eGauge = seen;
    const record = () => {
      const text = document.querySelector('.edi-gauge-done')?.textContent ?? '';
      const match = /^(\d+) of (\d+)/.exec(text);
      if (match && Number(match[1]) !== seen.at(-1)) seen.push(Number(match[1]));
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const accepted = page.waitForResponse(
    (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/api/edi/imports/',
  );
  await upload.getByRole('button', { name: `Import ${TOTAL} files` }).click();
  const response = await accepted;
  expect(response.status()).toBe(202);
  const launched = (await response.json()) as { job_id: string; execution_id: number; files: number };
  expect(launched.files).toBe(TOTAL);
  await expect(page).toHaveURL(new RegExp(`[?&]job=${launched.job_id}$`));

  // The gauge, to its end.
  const gauge = page.getByRole('region', { name: 'Import progress' });
  await expect(gauge).toBeVisible();
  await expect(gauge.getByRole('status')).toHaveText(`Import finished: ${TOTAL} files, ${INVALID} failed`, { timeout: 45_000 });
  await expect(gauge).toContainText(`${TOTAL} of ${TOTAL} files processed`);
  await expect(gauge.getByText(`${INVALID} failed`, { exact: true })).toBeVisible();
  await expect(gauge.getByText(/^Duration \d+s$/)).toBeVisible();
  await expect(gauge.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await expect(gauge.getByRole('link', { name: `Task #${launched.execution_id}` })).toBeVisible();
  const counts = await page.evaluate(() => window.__e2eGauge ?? []);
  expect(counts.at(-1), JSON.stringify(counts)).toBe(TOTAL);
  expect(counts, 'the count never goes back').toEqual([...counts].sort((a, b) => a - b));

  // Every file's outcome; the bad ones with their reason and the segment at fault.
  const list = page.getByRole('region', { name: `Files (${TOTAL})` });
  await expect(list.getByRole('row').filter({ hasText: 'Imported' })).toHaveCount(VALID);
  for (const bad of files.filter((file) => file.defect)) {
    const row = list.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${bad.name}`) }) });
    await expect(row).toContainText('Failed');
    await expect(row.locator('.edi-file-error')).toHaveText(new RegExp(`^${bad.reason}`));
    await expect(row.locator('td[data-label="Segment"]')).toHaveText(/^Segment \d+/);
  }
  const outcome = page.locator('.edi-outcome');
  const invoices = files.reduce((sum, file) => sum + file.invoices, 0);
  await expect(outcome).toContainText(`Invoices created${invoices}`);
  await snap('edi-import-finished');

  // Only the failed files, on demand.
  await list.getByLabel('Show').selectOption('failed');
  await expect(list.getByRole('row')).toHaveCount(1 + INVALID);
  await list.getByLabel('Show').selectOption('all');

  // The history has it, and the invoices are searchable.
  const history = page.getByRole('region', { name: 'Import history' });
  const row = history.locator('tr[aria-current="true"]');
  await expect(row).toContainText(`${TOTAL} of ${TOTAL}`);
  await expect(row).toContainText('Success');
  const table = page.getByRole('region', { name: 'Invoices' });
  const number = files.find((file) => !file.defect)?.numbers[0] ?? '';
  await table.getByRole('searchbox', { name: 'Search' }).fill(number);
  await expect(table.getByRole('status')).toHaveText(`1 invoice matching “${number}”`);
  await expect(table.getByRole('rowheader', { name: number, exact: true })).toBeVisible();
  await table.getByRole('button', { name: `Show the lines of invoice ${number}` }).click();
  await expect(table.getByRole('table', { name: `Lines of invoice ${number}` }).getByRole('row')).not.toHaveCount(1);
  await snap('edi-invoices');
});

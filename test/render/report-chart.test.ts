import assert from 'node:assert/strict';
import { CHART_MAX_BARS, CHART_WIDTH, chartSize, renderProgressChart } from '../../src/render/report-chart';
import { PNG_SIGNATURE, pngSize, syntheticReport } from './reports';

describe('render: renderProgressChart', () => {
  it('draws a PNG whose height grows with the people, capped at 50 bars with "+N more"', function () {
    this.timeout(20_000);
    const small = syntheticReport(4);
    const png = renderProgressChart(small);
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.deepEqual(pngSize(png), { width: CHART_WIDTH, height: chartSize(small).height });
    const big = syntheticReport(120);
    const started = Date.now();
    const bigPng = renderProgressChart(big);
    assert.ok(Date.now() - started < 1000, 'well under a second');
    assert.equal(chartSize(big).bars, CHART_MAX_BARS);
    assert.ok(pngSize(bigPng).height > pngSize(png).height);
    assert.deepEqual(pngSize(bigPng), { width: CHART_WIDTH, height: chartSize(syntheticReport(CHART_MAX_BARS)).height });
  });
});

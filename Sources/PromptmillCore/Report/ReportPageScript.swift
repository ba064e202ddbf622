/// The report page's scripts: `guardScript` runs before Chart.js and collects every error;
/// `drawScript` draws the charts from the `report-data` blob, then writes into
/// `<pre id="check">` how many canvases have pixels and the errors seen (what the
/// end-to-end test reads through headless Chromium).
enum ReportPageScript {
    static let guardScript = """
        window.reportErrors = [];
        window.addEventListener('error', e => window.reportErrors.push(String(e.message)));
        (function () {
          const original = console.error;
          console.error = function (...args) { window.reportErrors.push(args.map(String).join(' ')); original.apply(console, args); };
        })();
        """

    static let drawScript = """
        (function () {
          const errors = window.reportErrors;
          const data = JSON.parse(document.getElementById('report-data').textContent);
          const tl = data.timeline;
          const colors = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563', '#65a30d', '#ea580c'];
          Chart.defaults.animation = false;
          Chart.defaults.maintainAspectRatio = false;
          const clock = s => { s = Math.round(s); const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
            return (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(r).padStart(2, '0'); };
          const points = ys => tl.t.map((x, i) => ({x: x, y: ys[i]}));
          const line = (label, ys, i, extra) => Object.assign({label: label, data: points(ys), borderColor: colors[i % colors.length],
            backgroundColor: colors[i % colors.length], pointRadius: 0, borderWidth: 1.5, spanGaps: true}, extra || {});
          const limit = {borderDash: [6, 4], stepped: true};
          const timeScale = {type: 'linear', title: {display: true, text: 'running time (m:ss; idle time between runs left out)'},
            ticks: {callback: v => clock(v)}};
          const axis = text => ({beginAtZero: true, title: {display: true, text: text}});
          function draw(id, config) {
            try { new Chart(document.getElementById(id), config); } catch (e) { errors.push(id + ': ' + e.message); }
          }
          draw('chart-throughput', {type: 'line', data: {datasets: [
              line('rows/s', tl.rowsPerSecond, 0),
              line('requests/min', tl.requestsPerMinute, 1, {yAxisID: 'y1'}),
              line('requests/min limit', tl.requestsPerMinuteLimit, 1, Object.assign({yAxisID: 'y1'}, limit))]},
            options: {scales: {x: timeScale, y: axis('rows/s'), y1: Object.assign(axis('requests/min'), {position: 'right'})}}});
          draw('chart-tokens', {type: 'line', data: {datasets: [
              line('tokens/min', tl.tokensPerMinute, 2), line('tokens/min limit', tl.tokensPerMinuteLimit, 2, limit)]},
            options: {scales: {x: timeScale, y: axis('tokens/min')}}});
          draw('chart-latency', {type: 'line', data: {datasets: [
              line('p50', tl.latencyP50, 0), line('p90', tl.latencyP90, 3), line('p99', tl.latencyP99, 1)]},
            options: {scales: {x: timeScale, y: axis('latency (ms)')}}});
          const causes = Object.keys(tl.retries).sort();
          draw('chart-retries', {type: 'line', data: {datasets: causes.map((c, i) =>
              line('retries: ' + c, tl.retries[c], i + 4, {fill: true, stepped: true})).concat([
              line('429 answers', tl.rateLimited, 1, {stepped: true, borderDash: [3, 3]})])},
            options: {scales: {x: timeScale, y: Object.assign(axis('per interval'), {stacked: false})}}});
          const spend = [line('spent (USD)', tl.spentUSD, 0, {fill: true})];
          if (data.budgetUSD !== null && data.budgetUSD !== undefined) {
            spend.push(line('budget (USD)', tl.t.map(() => data.budgetUSD), 1, limit));
          }
          draw('chart-spend', {type: 'line', data: {datasets: spend}, options: {scales: {x: timeScale, y: axis('USD')}}});
          draw('chart-cache', {type: 'doughnut', data: {labels: ['answered by the API', 'from the cache', 'failed', 'pending'],
              datasets: [{data: [data.answered, data.fromCache, data.failed, data.pending],
                backgroundColor: [colors[0], colors[2], colors[1], '#d1d5db']}]}});
          // The same colour for an outcome on every chart: answered blue, cache green,
          // skipped grey, each failure type a warm colour of its own.
          const warm = ['#dc2626', '#d97706', '#db2777', '#ea580c', '#7c3aed', '#b91c1c'];
          const fixed = {'answered': colors[0], 'from cache': colors[2], 'skipped (when)': colors[7]};
          draw('chart-outcomes', {type: 'bar', data: {labels: data.steps.map(s => s.step), datasets: data.outcomes.map((o, i) => ({
              label: o, data: data.steps.map(s => s.counts[o] || 0),
              backgroundColor: fixed[o] || warm[(i - Object.keys(fixed).filter(k => data.outcomes.includes(k)).length) % warm.length]}))},
            options: {indexAxis: 'y', scales: {x: {stacked: true, beginAtZero: true, title: {display: true, text: 'rows'}},
              y: {stacked: true}}}});
          function check() {
            const canvases = Array.from(document.querySelectorAll('canvas'));
            let drawn = 0;
            for (const canvas of canvases) {
              const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { drawn += 1; break; } }
            }
            document.getElementById('check').textContent = 'canvases: ' + canvases.length + '; drawn: ' + drawn + '; errors: ' +
              (errors.length ? errors.join(' | ') : 'none');
          }
          requestAnimationFrame(() => setTimeout(check, 0));
        })();
        """
}

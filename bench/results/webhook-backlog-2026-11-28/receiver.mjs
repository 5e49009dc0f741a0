import http from 'node:http';
const delay = Number(process.argv[2]);
let seen = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { seen += 1; setTimeout(() => { res.writeHead(200); res.end('ok'); }, delay); });
});
server.listen(0, '127.0.0.1', () => console.log(`receiver on ${server.address().port}`));
process.on('SIGTERM', () => { console.log(`received ${seen} requests`); process.exit(0); });

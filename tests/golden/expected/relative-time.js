// Dates of the last week as "5 min. ago", "2 hr. ago", "yesterday", "3 days ago", in the page's
// language and the reader's time zone; older ones stay as written (the title keeps the date).
(() => {
  let words;
  try { words = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto", style: "short" }); }
  catch { words = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" }); }
  const MINUTE = 60e3, HOUR = 60 * MINUTE, DAY = 24 * HOUR, now = new Date();
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  for (const time of document.querySelectorAll("main time[datetime]")) {
    const then = new Date(time.dateTime), ago = now - then;
    if (!(ago >= 0 && ago < 7 * DAY)) continue;  // unreadable, in the future, or older than a week
    const days = Math.round((midnight(now) - midnight(then)) / DAY);
    time.textContent = ago < MINUTE ? words.format(0, "second")
      : ago < HOUR ? words.format(-Math.floor(ago / MINUTE), "minute")
      : ago < 6 * HOUR || days === 0 ? words.format(-Math.floor(ago / HOUR), "hour")
      : words.format(-days, "day");
  }
})();

/* Collects script and resource errors from the start of the page (read by the browser test). */
window.__reportErrors=[];
window.addEventListener('error',function(e){window.__reportErrors.push(String(e.message||(e.target&&(e.target.src||e.target.href))||'error'));},true);

from yusuan.cli import app

app()

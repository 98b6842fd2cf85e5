def start(request):
    raise NotImplementedError


template = preview = commit = start
